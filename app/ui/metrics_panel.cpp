#include "app/ui/metrics_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <deque>

#include "app/ui/param_widgets.h"
#include "app/ui/settings.h"

namespace ss::ui {

double cost_value(const CurvePoint& p, CostAxis axis) {
  switch (axis) {
    case CostAxis::gradient_evals:
      return double(p.gradient_evals);
    case CostAxis::seconds:
      return p.sampler_seconds;
    default:
      return double(p.iteration);
  }
}

const char* cost_axis_label(CostAxis axis) {
  switch (axis) {
    case CostAxis::gradient_evals:
      return "gradient evaluations";
    case CostAxis::seconds:
      return "sampler seconds";
    default:
      return "iteration";
  }
}

CurveArrays curve_arrays(const Curve& curve, CostAxis axis) {
  CurveArrays out;
  out.x.reserve(curve.size());
  out.y.reserve(curve.size());
  for (const CurvePoint& p : curve) {
    out.x.push_back(cost_value(p, axis));
    out.y.push_back(p.value);
  }
  return out;
}

namespace {

void plot_context_menu(AppState& app, const char* plot_name) {
  const std::string id = std::string("##menu_") + plot_name;
  if (ImGui::BeginPopupContextItem(id.c_str())) {
    if (ImGui::MenuItem("Save PNG of this plot")) {
      if (app.headless)
        report_error(app, "PNG export needs a window (this is a headless run)");
      else
        app.png_requests.push_back(
            PngRequest{next_numbered_path(app.export_dir, std::string("plot_") + plot_name, ".png"),
                       std::string("plot:") + plot_name});
    }
    if (ImGui::MenuItem("Export CSV of all curves")) {
      const std::string path = next_numbered_path(app.export_dir, "metrics", ".csv");
      const std::string err = export_curves_csv(*app.snap, path);
      if (err.empty())
        add_message(app, UiMessage::Level::info, "wrote " + path);
      else
        report_error(app, err);
    }
    ImGui::EndPopup();
  }
}

// One line plot of metric `metric` for every run (and extra series added by `extra`).
template <class Extra>
void metric_plot(AppState& app, const char* plot_name, const std::string& title,
                 const std::string& metric, plot::Scale y_scale, ImVec2 pos, ImVec2 size,
                 const std::string& y_label, Extra extra, const char* help) {
  const Snapshot& s = *app.plots.snap;
  std::deque<CurveArrays> data;
  ImGui::SetCursorScreenPos(pos);
  plot::LinePlotOptions opt;
  opt.title = title;
  opt.x_label = cost_axis_label(app.display.cost_axis);
  opt.y_label = y_label;
  opt.y_scale = y_scale;
  opt.x_scale = app.display.log_x ? plot::Scale::Log10 : plot::Scale::Linear;
  plot::LinePlot p(plot_name, size, opt);
  for (size_t i = 0; i < s.runs.size(); ++i) {
    const auto it = s.runs[i].curves.find(metric);
    if (it == s.runs[i].curves.end() || !it->second || it->second->empty()) continue;
    data.push_back(curve_arrays(*it->second, app.display.cost_axis));
    p.line(s.runs[i].label, run_color(int(i)), data.back().x, data.back().y);
  }
  extra(p, data);
  const plot::ScreenRect r = p.draw();
  item_tooltip(help);
  plot_context_menu(app, plot_name);
  app.rects[std::string("plot:") + plot_name] = r;
}

// Whether any run has a curve `metric`.
bool has_curve(const Snapshot& s, const char* metric) {
  for (const auto& r : s.runs)
    if (r.curves.count(metric)) return true;
  return false;
}

// Whether any run publishes live chain diagnostics (the chain methods, issue 18).
bool has_chain_diagnostics(const Snapshot& s) {
  return has_curve(s, "rhat");
}

void draw_rhat_plot(AppState& app, ImVec2 pos, ImVec2 size) {
  metric_plot(
      app, "rhat", "Split R-hat (recent window)", "rhat", plot::Scale::Log10, pos, size, "R-hat",
      [](plot::LinePlot& p, std::deque<CurveArrays>&) {
        p.hline("1.01", IM_COL32(255, 200, 80, 220), 1.01);
      },
      "Rank-normalized split R-hat (Vehtari et al. 2021) of each chain method over its window of "
      "recent chain states, worse coordinate. Above the 1.01 line the chains disagree (not mixed, "
      "or still warming up); below it they agree - but chains that all miss a mode agree too.");
}

// The chain-diagnostics row: split R-hat with the 1.01 line, and bulk ESS per gradient evaluation
// (both computed by the engine on each chain method's window of recent states).
void draw_chain_diagnostics_row(AppState& app, ImVec2 pos, float w, float h, float gap) {
  const float w_half = (w - gap) / 2;
  draw_rhat_plot(app, pos, ImVec2(w_half, h));
  metric_plot(
      app, "ess_per_grad", "Bulk ESS per gradient evaluation", "ess_per_grad", plot::Scale::Log10,
      ImVec2(pos.x + w_half + gap, pos.y), ImVec2(w_half, h), "ESS / grad",
      [](plot::LinePlot&, std::deque<CurveArrays>&) {},
      "Bulk effective sample size of the recent window divided by the target evaluations spent "
      "producing it (gradient evaluations; log-density evaluations for the gradient-free random "
      "walks): effective draws per unit of work, higher is better.");
}

}  // namespace

void draw_metrics_panel(AppState& app, ImVec2 min, ImVec2 max) {
  if (!app.plots.snap) app.plots.snap = app.snap;
  if (!app.plots.snap) return;
  const Snapshot& s = *app.plots.snap;
  const float gap = 6.0f * app.dpi_scale;
  // A one-line toolbar: cost axis and log-x.
  ImGui::SetCursorScreenPos(min);
  int axis = int(app.display.cost_axis);
  ImGui::TextUnformatted("x axis:");
  for (int k = 0; k < 3; ++k) {
    ImGui::SameLine();
    if (ImGui::RadioButton(cost_axis_label(CostAxis(k)), axis == k)) axis = k;
  }
  item_tooltip(
      "Cost axis of every curve: iterations, target gradient evaluations, or sampler wall "
      "time (metric time excluded), so methods are compared at equal cost.");
  app.display.cost_axis = CostAxis(axis);
  ImGui::SameLine();
  ImGui::Checkbox("log x", &app.display.log_x);
  item_tooltip("Logarithmic x axis.");
  const float top = ImGui::GetCursorScreenPos().y + 2.0f;
  const float w = max.x - min.x, h = max.y - top;
  if (w < 100 || h < 60) return;
  // Chain diagnostics get a third row when there is room for three readable rows; in a short
  // panel (e.g. 1280×720) R-hat takes the training-loss slot when no run trains a network.
  const bool chains = has_chain_diagnostics(s);
  const bool chain_row = chains && (h - 2 * gap) / 3 >= 100.0f * app.dpi_scale;
  const bool rhat_in_loss_slot = chains && !chain_row && !has_curve(s, "loss");
  const float row_h = chain_row ? (h - 2 * gap) / 3 : (h - gap) / 2;
  const float w_half = (w - gap) / 2, w_third = (w - 2 * gap) / 3;

  // KSD² with the i.i.d. band (mean ± 2 sd over independent exact draws).
  std::vector<double> band_x, band_lo, band_hi;
  metric_plot(
      app, "ksd", "KSD^2 (IMQ)  - lower is better", "ksd2_imq", plot::Scale::Log10,
      ImVec2(min.x, top), ImVec2(w_half, row_h), "KSD^2",
      [&](plot::LinePlot& p, std::deque<CurveArrays>& data) {
        if (!(s.ksd2_iid_mean > 0) || !std::isfinite(s.ksd2_iid_mean)) return;
        double x0 = INFINITY, x1 = -INFINITY;
        for (const auto& d : data)
          if (!d.x.empty()) x0 = std::min(x0, d.x.front()), x1 = std::max(x1, d.x.back());
        if (!(x1 >= x0)) return;
        if (app.display.log_x) x0 = std::max(x0, 1e-9);
        band_x = {x0, x1};
        const double lo = std::max(s.ksd2_iid_mean - 2 * s.ksd2_iid_std, s.ksd2_iid_mean * 0.05);
        band_lo = {lo, lo};
        band_hi = {s.ksd2_iid_mean + 2 * s.ksd2_iid_std, s.ksd2_iid_mean + 2 * s.ksd2_iid_std};
        p.band("i.i.d. +-2sd", IM_COL32(200, 200, 200, 50), band_x, band_lo, band_hi);
        p.hline("i.i.d. mean", IM_COL32(220, 220, 220, 200), s.ksd2_iid_mean);
      },
      "Kernelized Stein discrepancy (squared, IMQ kernel, V-statistic) of each method's evaluation "
      "samples. The grey band is what exact i.i.d. samples of the same size reach: a perfect "
      "sampler sits on it.");

  // Mode coverage.
  ImGui::SetCursorScreenPos(ImVec2(min.x + w_half + gap, top));
  if (s.reference && !s.reference->regions().empty()) {
    std::vector<std::string> cats;
    std::vector<plot::BarSeries> series;
    plot::BarSeries truth{"true mass", IM_COL32(200, 200, 200, 255), {}};
    const size_t nreg = std::min<size_t>(s.reference->regions().size(), 24);
    for (size_t i = 0; i < nreg; ++i) {
      cats.push_back(std::to_string(i + 1));
      truth.values.push_back(s.reference->regions()[i].true_mass);
    }
    series.push_back(truth);
    for (size_t i = 0; i < s.runs.size(); ++i) {
      if (s.runs[i].mode_fractions.empty()) continue;
      plot::BarSeries b{s.runs[i].label, run_color(int(i)), {}};
      for (size_t k = 0; k < nreg; ++k)
        b.values.push_back(k < s.runs[i].mode_fractions.size() ? s.runs[i].mode_fractions[k] : NAN);
      series.push_back(b);
    }
    const plot::ScreenRect r =
        plot::bar_chart("modes", ImVec2(w_half, row_h), "Mode coverage: mass per mode region", cats,
                        series, "mode");
    item_tooltip(
        "Fraction of each method's samples in each mode region against the region's true "
        "mass (from the grid reference). A missing bar is a missed mode.");
    plot_context_menu(app, "modes");
    app.rects["plot:modes"] = r;
  } else {
    ImGui::Dummy(ImVec2(w_half, row_h));
  }

  const float y2 = top + row_h + gap;
  metric_plot(
      app, "energy", "Energy distance to exact samples", "energy_distance", plot::Scale::Log10,
      ImVec2(min.x, y2), ImVec2(w_third, row_h), "energy dist.",
      [](plot::LinePlot&, std::deque<CurveArrays>&) {},
      "Energy distance between each method's evaluation samples and exact reference "
      "samples (0 for identical distributions).");
  if (rhat_in_loss_slot)
    draw_rhat_plot(app, ImVec2(min.x + w_third + gap, y2), ImVec2(w_third, row_h));
  else
    metric_plot(
        app, "loss", "Training loss", "loss", plot::Scale::Linear,
        ImVec2(min.x + w_third + gap, y2), ImVec2(w_third, row_h), "loss",
        [](plot::LinePlot&, std::deque<CurveArrays>&) {},
        "Training losses of the methods that train a network (DFT's score-matching loss, "
        "flowMC's flow negative log-likelihood).");
  metric_plot(
      app, "accept", "Acceptance rates", "accept_local", plot::Scale::Linear,
      ImVec2(min.x + 2 * (w_third + gap), y2), ImVec2(w_third, row_h), "rate",
      [&](plot::LinePlot& p, std::deque<CurveArrays>& data) {
        for (size_t i = 0; i < s.runs.size(); ++i) {
          const auto it = s.runs[i].curves.find("accept_global");
          if (it == s.runs[i].curves.end() || !it->second || it->second->empty()) continue;
          data.push_back(curve_arrays(*it->second, app.display.cost_axis));
          p.line(s.runs[i].label + " global", run_color(int(i), 0.55f), data.back().x,
                 data.back().y, 1.2f);
        }
      },
      "Local (MALA) acceptance rate, and the global (flow proposal) acceptance rate in a lighter "
      "shade, for the chain methods.");
  if (chain_row) draw_chain_diagnostics_row(app, ImVec2(min.x, y2 + row_h + gap), w, row_h, gap);
}

}  // namespace ss::ui
