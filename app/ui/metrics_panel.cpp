#include "app/ui/metrics_panel.h"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <functional>
#include <map>

#include "app/ui/param_widgets.h"
#include "app/ui/settings.h"
#include "core/common/grid.h"

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

// Continues the current line when `label` (plus `extra` pixels) fits in what is left of it, else
// starts a new line: controls and short phrases flow like words and are never cut off or broken
// inside (ImGui's own text wrapping breaks after '.', which splits numbers like 1.05e+05).
void same_line_if_fits(const char* label, float extra) {
  ImGui::SameLine();
  const float need = ImGui::CalcTextSize(label).x + extra;
  if (ImGui::GetContentRegionAvail().x < need) ImGui::NewLine();
}

CurveArrays cleaned_curve(const Curve& curve, CostAxis axis, const std::string& metric);

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
                 const std::string& y_label, Extra extra, const char* help, double y_cap = NAN) {
  const Snapshot& s = *app.plots.snap;
  std::deque<CurveArrays> data;
  ImGui::SetCursorScreenPos(pos);
  plot::LinePlotOptions opt;
  opt.title = title;
  opt.x_label = cost_axis_label(app.display.cost_axis);
  opt.y_label = y_label;
  opt.y_scale = y_scale;
  opt.x_scale = app.display.log_x ? plot::Scale::Log10 : plot::Scale::Linear;
  opt.legend_lines = false;  // the method colours are in the panel's key
  opt.y_cap = y_cap;
  plot::LinePlot p(plot_name, size, opt);
  for (size_t i = 0; i < s.runs.size(); ++i) {
    const auto it = s.runs[i].curves.find(metric);
    if (it == s.runs[i].curves.end() || !it->second || it->second->empty()) continue;
    data.push_back(cleaned_curve(*it->second, app.display.cost_axis, metric));
    p.line(s.runs[i].label, method_color(s.runs[i].kind), data.back().x, data.back().y);
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

// Bulk ESS per gradient evaluation (computed by the engine on each chain method's window of
// recent states).
void draw_ess_plot(AppState& app, ImVec2 pos, ImVec2 size) {
  metric_plot(
      app, "ess_per_grad", "Bulk ESS per gradient evaluation", "ess_per_grad", plot::Scale::Log10,
      pos, size, "ESS / grad", [](plot::LinePlot&, std::deque<CurveArrays>&) {},
      "Bulk effective sample size of the recent window divided by the target evaluations spent "
      "producing it (gradient evaluations; log-density evaluations for the gradient-free random "
      "walks): effective draws per unit of work, higher is better.");
}

}  // namespace

namespace {

// Points of a curve worth drawing: a loss's leading exact zeros are the value before the first
// training step (no loss computed yet), and an acceptance rate of exactly 0 right after a
// positive one is a ratio of counters that were just restarted (0 proposals), not a rate.
CurveArrays cleaned_curve(const Curve& curve, CostAxis axis, const std::string& metric) {
  CurveArrays out = curve_arrays(curve, axis);
  const bool loss = metric == "loss";
  const bool rate = metric.rfind("accept", 0) == 0;
  if (!loss && !rate) return out;
  CurveArrays kept;
  double prev = NAN;
  for (size_t i = 0; i < out.x.size(); ++i) {
    const double v = out.y[i];
    if (v == 0.0 && curve[i].iteration == 0) continue;  // nothing measured yet
    if (rate && v == 0.0 && prev > 0.0) continue;
    prev = v;
    kept.x.push_back(out.x[i]);
    kept.y.push_back(v);
  }
  return kept;
}

double latest_value(const RunSnapshot& r, const std::string& name) {
  for (const auto& [k, v] : r.latest)
    if (k == name) return v;
  return NAN;
}

bool ring_like(const Snapshot& s) {
  if (!s.scenario) return false;
  const std::string& k = s.scenario->target.kind;
  return k == "donut" || k == "rings";
}

// The angular distribution (angle of each point about the origin, kAngleBins bins over
// [-180°, 180°)) of the reference grid's mass, as a density per degree.
constexpr int kAngleBins = 24;
std::vector<double> true_angular_density(const GridReference& ref) {
  std::vector<double> h(kAngleBins, 0.0);
  const auto& m = ref.cell_masses();
  const Box& b = ref.box();
  for (int iy = 0; iy < ref.ny(); ++iy)
    for (int ix = 0; ix < ref.nx(); ++ix) {
      const double x = cell_centre(b.xmin, ref.cell_width(), ix);
      const double y = cell_centre(b.ymin, ref.cell_height(), iy);
      const double a = std::atan2(y, x);
      const int k = std::clamp(int((a + M_PI) / (2 * M_PI) * kAngleBins), 0, kAngleBins - 1);
      h[size_t(k)] += m[size_t(iy) * size_t(ref.nx()) + size_t(ix)];
    }
  for (double& v : h) v /= 360.0 / kAngleBins;
  return h;
}

std::vector<double> sample_angular_density(const Points& p) {
  std::vector<double> h(kAngleBins, 0.0);
  if (p.rows() == 0) return h;
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    const double a = std::atan2(p(i, 1), p(i, 0));
    if (!std::isfinite(a)) continue;
    const int k = std::clamp(int((a + M_PI) / (2 * M_PI) * kAngleBins), 0, kAngleBins - 1);
    h[size_t(k)] += 1.0;
  }
  for (double& v : h) v /= double(p.rows()) * (360.0 / kAngleBins);
  return h;
}

void draw_angular_panel(AppState& app, const Snapshot& s, ImVec2 size) {
  AngularTruth& at = app.panels.metrics.angular;
  if (at.reference != s.reference)
    at.reference = s.reference, at.density = true_angular_density(*s.reference);
  const std::vector<double>& truth = at.density;
  std::vector<double> xs(kAngleBins);
  for (int k = 0; k < kAngleBins; ++k) xs[size_t(k)] = -180.0 + (k + 0.5) * 360.0 / kAngleBins;
  std::deque<std::vector<double>> ys;
  plot::LinePlotOptions opt;
  opt.title = "Angular coverage vs truth (white)";
  opt.x_label = "angle (degrees)";
  opt.y_label = "density";
  opt.legend_lines = false;  // truth is white (title), methods in the panel's key
  plot::LinePlot p("angular", size, opt);
  p.line("truth", IM_COL32(230, 230, 230, 255), xs, truth, 2.2f);
  for (size_t i = 0; i < s.runs.size(); ++i) {
    const RunSnapshot& r = s.runs[i];
    const Points* pts = r.evaluation_samples ? r.evaluation_samples.get() : nullptr;
    if (!pts || pts->rows() == 0) continue;
    ys.push_back(sample_angular_density(*pts));
    p.line(r.label, method_color(r.kind), xs, ys.back());
  }
  const plot::ScreenRect rect = p.draw();
  item_tooltip(
      "Ring-like targets have one mode region, so the mode bars say nothing about how evenly "
      "the ring is covered. This is each method's evaluation samples binned by angle about the "
      "origin (24 bins of 15 degrees) against the exact angular density from the grid "
      "reference (white). Expect noise of about 1/sqrt(n/24) relative for n samples.");
  plot_context_menu(app, "angular");
  app.rects["plot:angular"] = rect;
  app.rects["plot:modes"] = rect;
}

void draw_mode_bars(AppState& app, const Snapshot& s, ImVec2 size) {
  std::vector<std::string> cats;
  std::vector<plot::BarSeries> series;
  plot::BarSeries truth{"true mass", IM_COL32(200, 200, 200, 255), {}};
  const size_t nreg = std::min<size_t>(s.reference->regions().size(), 24);
  for (size_t i = 0; i < nreg; ++i) {
    cats.push_back(std::to_string(i + 1));
    truth.values.push_back(s.reference->regions()[i].true_mass);
  }
  series.push_back(truth);
  for (const RunSnapshot& r : s.runs) {
    if (r.mode_fractions.empty()) continue;
    plot::BarSeries b{r.label, method_color(r.kind), {}};
    for (size_t k = 0; k < nreg; ++k)
      b.values.push_back(k < r.mode_fractions.size() ? r.mode_fractions[k] : NAN);
    series.push_back(b);
  }
  const plot::ScreenRect rect =
      plot::bar_chart("modes", size, "Mass per numbered mode region", cats, series, "mode");
  item_tooltip(
      "Fraction of each method's samples in each mode region against the region's true mass "
      "(from the grid reference). The numbers match the badges on the canvases. A missing bar "
      "is a missed mode; KSD does not see wrong mode weights, this does.");
  plot_context_menu(app, "modes");
  app.rects["plot:modes"] = rect;
}

// The scoreboard: each method's latest KSD, energy distance and mode TV, with its cost, and a
// warning when two metrics order two methods differently.
void draw_scoreboard(AppState& app, const Snapshot& s, ImVec2 size) {
  ImGui::BeginChild("##scoreboard", size, false);
  const float inner_w = ImGui::GetContentRegionAvail().x;  // less a scrollbar when there is one
  const bool use_u = app.display.ksd_u;
  const char* ksd_name = use_u ? "ksd2_imq_u" : "ksd2_imq";
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + inner_w - 4);
  ImGui::TextUnformatted("Scoreboard (latest pass; lower is better)");
  ImGui::PopTextWrapPos();
  item_tooltip(
      "KSD: kernel Stein discrepancy, how well the samples match the target's score (blind to "
      "how mass is split between separated modes). Energy: energy distance to exact samples "
      "(sees mode weights). Mode TV: total variation between the method's and the true mass "
      "per mode region. Cost: target gradient evaluations and sampler seconds so far.");
  struct Row {
    const RunSnapshot* r;
    double ksd, energy, tv;
  };
  std::vector<Row> rows;
  // Mode TV says nothing on a target with one mode region (always 0).
  const bool modes = s.reference && s.reference->regions().size() > 1;
  for (const RunSnapshot& r : s.runs)
    rows.push_back({&r, latest_value(r, ksd_name), latest_value(r, "energy_distance"),
                    modes ? latest_value(r, "mode_tv") : NAN});
  const auto best = [&](double Row::*f) {
    double b = INFINITY;
    for (const Row& x : rows)
      if (std::isfinite(x.*f)) b = std::min(b, x.*f);
    return b;
  };
  const double bk = best(&Row::ksd), be = best(&Row::energy), bt = best(&Row::tv);
  const auto text_of = [](double v) { return std::isfinite(v) ? plot::format_value(v) : "-"; };
  // Column texts; the table is used when every column fits at its widest text, else each
  // method gets a wrapped line (nothing is cut off at large UI scales).
  const char* heads[5] = {"method", use_u ? "KSD2 (U)" : "KSD2 (V)", "energy", "mode TV",
                          "grad evals"};
  float need = 0;
  for (int c = 0; c < 5; ++c) {
    float cw = ImGui::CalcTextSize(heads[c]).x;
    for (const Row& x : rows) {
      const std::string t = c == 0   ? x.r->label
                            : c == 1 ? text_of(x.ksd)
                            : c == 2 ? text_of(x.energy)
                            : c == 3 ? text_of(x.tv)
                                     : plot::format_value(double(x.r->counters.gradient_evals()));
      cw = std::max(cw, ImGui::CalcTextSize(t.c_str()).x);
    }
    need += cw + 2 * ImGui::GetStyle().CellPadding.x + 2.0f;
  }
  const auto value = [&](double v, double b) {
    if (std::isfinite(v) && v == b && rows.size() > 1)
      ImGui::TextColored(ImVec4(0.5f, 1.0f, 0.5f, 1), "%s", text_of(v).c_str());
    else
      ImGui::TextUnformatted(text_of(v).c_str());
  };
  const ImGuiTableFlags flags =
      ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
  if (need <= inner_w && ImGui::BeginTable("##scores", 5, flags)) {
    for (const char* h : heads) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (const Row& x : rows) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(method_color(x.r->kind)), "%s",
                         x.r->label.c_str());
      ImGui::TableNextColumn();
      value(x.ksd, bk);
      ImGui::TableNextColumn();
      value(x.energy, be);
      ImGui::TableNextColumn();
      value(x.tv, bt);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(plot::format_value(double(x.r->counters.gradient_evals())).c_str());
    }
    ImGui::EndTable();
  } else {
    // One line per method, continued on the next line only between phrases ("KSD 1.05e+05,"),
    // never inside a number.
    for (const Row& x : rows) {
      const ImVec4 colour = ImGui::ColorConvertU32ToFloat4(method_color(x.r->kind));
      const std::string phrases[5] = {
          x.r->label + ":", "KSD " + text_of(x.ksd) + ",", "energy " + text_of(x.energy) + ",",
          "mode TV " + text_of(x.tv) + ",",
          plot::format_value(double(x.r->counters.gradient_evals())) + " grad evals"};
      for (int k = 0; k < 5; ++k) {
        if (k > 0) same_line_if_fits(phrases[k].c_str(), ImGui::GetStyle().ItemSpacing.x);
        ImGui::TextColored(colour, "%s", phrases[k].c_str());
      }
    }
  }
  // Disagreements: a pair of methods that KSD orders one way and energy distance or mode TV the
  // other way (both differences larger than 10 % of the larger value, so noise does not flag).
  const auto clearly_less = [](double a, double b) {
    return std::isfinite(a) && std::isfinite(b) && a < b && (b - a) > 0.1 * std::max(a, b);
  };
  std::string warning;
  for (size_t i = 0; i < rows.size() && warning.empty(); ++i)
    for (size_t j = 0; j < rows.size() && warning.empty(); ++j) {
      if (!clearly_less(rows[i].ksd, rows[j].ksd)) continue;
      const char* other = nullptr;
      if (clearly_less(rows[j].energy, rows[i].energy))
        other = "energy distance";
      else if (clearly_less(rows[j].tv, rows[i].tv))
        other = "mode TV";
      if (other)
        warning = "Metrics disagree: KSD ranks " + rows[i].r->label + " ahead of " +
                  rows[j].r->label + ", " + other +
                  " the reverse. KSD is blind to mode weights: check the coverage.";
    }
  if (!warning.empty()) {
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + inner_w - 4);
    ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.3f, 1), "%s", warning.c_str());
    ImGui::PopTextWrapPos();
  }
  ImGui::EndChild();
  app.rects["plot:scoreboard"] = plot::ScreenRect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
}

// One small loss plot per method that reports a loss: losses of different methods have
// different units and scales (DFT's score-matching loss, flowMC's negative log-likelihood), so
// they never share an axis.
void draw_losses(AppState& app, const Snapshot& s, ImVec2 pos, ImVec2 size, float gap) {
  std::vector<size_t> with_loss;
  for (size_t i = 0; i < s.runs.size(); ++i) {
    const auto it = s.runs[i].curves.find("loss");
    if (it != s.runs[i].curves.end() && it->second && !it->second->empty()) with_loss.push_back(i);
  }
  if (with_loss.empty()) {
    ImGui::SetCursorScreenPos(pos);
    ImGui::TextDisabled("no method here trains a network (no loss)");
    return;
  }
  const float w = (size.x - gap * float(with_loss.size() - 1)) / float(with_loss.size());
  for (size_t k = 0; k < with_loss.size(); ++k) {
    const RunSnapshot& r = s.runs[with_loss[k]];
    ImGui::SetCursorScreenPos(ImVec2(pos.x + float(k) * (w + gap), pos.y));
    plot::LinePlotOptions opt;
    opt.title = "Loss: " + r.label;
    opt.x_label = cost_axis_label(app.display.cost_axis);
    opt.x_scale = app.display.log_x ? plot::Scale::Log10 : plot::Scale::Linear;
    opt.legend = false;
    const CurveArrays d = cleaned_curve(*r.curves.at("loss"), app.display.cost_axis, "loss");
    const std::string id = "loss_" + std::to_string(r.id);
    plot::LinePlot p(id.c_str(), ImVec2(w, size.y), opt);
    p.line(r.label, method_color(r.kind), d.x, d.y);
    const plot::ScreenRect rect = p.draw();
    item_tooltip(r.kind == "flowmc"
                     ? "flowMC's flow training loss (negative log-likelihood of the chain states "
                       "under the flow), on its own axis."
                     : "Training loss of this method's network (DFT: the denoising score-matching "
                       "loss), on its own axis; points before the first training step are not "
                       "drawn.");
    plot_context_menu(app, "loss");
    if (k == 0) app.rects["plot:loss"] = rect;
  }
}

// [SECTION] The ebm task ----------------------------------------------------------------------

// The learned mode weights over training: one line per method per mode (method colour, mode's
// dash and marker), the true weights as dashed grey lines.
void draw_mode_weights(AppState& app, const Snapshot& s, ImVec2 pos, ImVec2 size) {
  const int modes = std::min(ebm_mode_count(s), 12);
  std::deque<CurveArrays> data;
  ImGui::SetCursorScreenPos(pos);
  plot::LinePlotOptions opt;
  opt.title = "Mode weights of the learned density (true: dashed)";
  opt.x_label = cost_axis_label(app.display.cost_axis);
  opt.y_label = "weight";
  opt.x_scale = app.display.log_x ? plot::Scale::Log10 : plot::Scale::Linear;
  plot::LinePlot p("mode_weights", size, opt);
  // The key of the modes' styles (no data: legend only).
  for (int k = 1; k <= modes && modes > 1; ++k)
    p.line("mode " + std::to_string(k), IM_COL32(210, 210, 210, 255), {}, {}, 1.8f,
           plot::cycled_style(k - 1));
  bool truth_named = false;
  for (int k = 1; k <= modes; ++k) {
    const double w = ebm_true_mode_weight(s, k);
    if (!std::isfinite(w)) continue;
    p.hline(truth_named ? "##true, mode " + std::to_string(k) : std::string("true weights"),
            IM_COL32(235, 235, 235, 210), w);
    truth_named = true;
  }
  for (const RunSnapshot& r : s.runs)
    for (int k = 1; k <= modes; ++k) {
      const auto it = r.curves.find("mode_weight_" + std::to_string(k));
      if (it == r.curves.end() || !it->second || it->second->empty()) continue;
      data.push_back(curve_arrays(*it->second, app.display.cost_axis));
      p.line("##" + r.label + " mode " + std::to_string(k), method_color(r.kind), data.back().x,
             data.back().y, 1.6f, plot::cycled_style(k - 1));
    }
  const plot::ScreenRect rect = p.draw();
  item_tooltip(
      "The mass the learned density (normalized exactly on the grid) gives each mode region of "
      "the data, over training, one line per method and mode (the mode's line style is in the "
      "key). The dashed grey lines are the true weights. Short-run chain negatives are known to "
      "learn the wrong weights (Song & Kingma 2021): their lines settle away from the dashed "
      "ones.");
  plot_context_menu(app, "mode_weights");
  app.rects["plot:mode_weights"] = rect;
}

// Latest value of `name` in any run (e.g. the nll_true line every run records alike).
double any_latest(const Snapshot& s, const std::string& name) {
  for (const RunSnapshot& r : s.runs) {
    const double v = latest_value(r, name);
    if (std::isfinite(v)) return v;
  }
  return NAN;
}

// The ebm scoreboard: each method's latest test NLL, KL, mode TV and the negatives' KSD.
void draw_ebm_scoreboard(AppState& app, const Snapshot& s, ImVec2 size) {
  ImGui::BeginChild("##ebm_scoreboard", size, false);
  const float inner_w = ImGui::GetContentRegionAvail().x;
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + inner_w - 4);
  ImGui::TextUnformatted("Scoreboard (latest pass; lower is better)");
  ImGui::PopTextWrapPos();
  item_tooltip(
      "Test NLL: mean -log p_theta of the held-out data (the true density's NLL is the floor). "
      "KL: KL(p_data || p_theta) on the grid. Mode TV: total variation between the learned and "
      "the true mode weights. Neg. KSD: how well the negatives follow the current EBM (KSD^2).");
  constexpr int kCols = 5;
  const char* heads[kCols] = {"method", "test NLL", "KL", "mode TV", "neg. KSD2"};
  const char* names[kCols] = {"", "nll_test", "kl_true_model", "mode_tv", "neg_ksd2"};
  const auto text_of = [](double v) { return std::isfinite(v) ? plot::format_value(v) : "-"; };
  std::vector<std::array<std::string, kCols>> rows;
  std::array<double, kCols> best;
  best.fill(INFINITY);
  for (const RunSnapshot& r : s.runs) {
    std::array<std::string, kCols> row;
    row[0] = r.label;
    for (int c = 1; c < kCols; ++c) {
      const double v = latest_value(r, names[c]);
      if (std::isfinite(v)) best[size_t(c)] = std::min(best[size_t(c)], v);
      row[size_t(c)] = text_of(v);
    }
    rows.push_back(row);
  }
  float need = 0;
  for (int c = 0; c < kCols; ++c) {
    float cw = ImGui::CalcTextSize(heads[c]).x;
    for (const auto& row : rows) cw = std::max(cw, ImGui::CalcTextSize(row[size_t(c)].c_str()).x);
    need += cw + 2 * ImGui::GetStyle().CellPadding.x + 2.0f;
  }
  const ImGuiTableFlags flags =
      ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
  if (need <= inner_w && ImGui::BeginTable("##ebm_scores", kCols, flags)) {
    for (const char* h : heads) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (size_t i = 0; i < rows.size(); ++i) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(method_color(s.runs[i].kind)), "%s",
                         rows[i][0].c_str());
      for (int c = 1; c < kCols; ++c) {
        ImGui::TableNextColumn();
        const double v = latest_value(s.runs[i], names[c]);
        if (std::isfinite(v) && v == best[size_t(c)] && rows.size() > 1)
          ImGui::TextColored(ImVec4(0.5f, 1.0f, 0.5f, 1), "%s", rows[i][size_t(c)].c_str());
        else
          ImGui::TextUnformatted(rows[i][size_t(c)].c_str());
      }
    }
    ImGui::EndTable();
  } else {
    for (size_t i = 0; i < rows.size(); ++i) {
      const ImVec4 colour = ImGui::ColorConvertU32ToFloat4(method_color(s.runs[i].kind));
      for (int c = 0; c < kCols; ++c) {
        const std::string phrase =
            c == 0 ? rows[i][0] + ":"
                   : std::string(heads[c]) + " " + rows[i][size_t(c)] + (c + 1 < kCols ? "," : "");
        if (c > 0) same_line_if_fits(phrase.c_str(), ImGui::GetStyle().ItemSpacing.x);
        ImGui::TextColored(colour, "%s", phrase.c_str());
      }
    }
  }
  const double nll_true = any_latest(s, "nll_true");
  if (std::isfinite(nll_true))
    ImGui::TextDisabled("true NLL of the test data: %s", plot::format_value(nll_true).c_str());
  ImGui::EndChild();
  app.rects["plot:scoreboard"] = plot::ScreenRect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
}

void draw_ebm_panels(AppState& app, const Snapshot& s, bool present,
                     const std::function<std::pair<ImVec2, ImVec2>(int)>& cell) {
  const auto none = [](plot::LinePlot&, std::deque<CurveArrays>&) {};
  draw_mode_weights(app, s, cell(0).first, cell(0).second);
  const double nll_true = any_latest(s, "nll_true");
  metric_plot(
      app, "nll", "Test NLL (true: dashed)", "nll_test", plot::Scale::Linear, cell(1).first,
      cell(1).second, "NLL",
      [&](plot::LinePlot& p, std::deque<CurveArrays>&) {
        if (std::isfinite(nll_true)) p.hline("true NLL", IM_COL32(235, 235, 235, 210), nll_true);
      },
      "Mean negative log-likelihood of the held-out test data under the learned density "
      "(normalized exactly on the grid). The dashed line is the NLL of the true data density: "
      "the best any model can do on these points (lower than it is overfitting or noise). The "
      "axis ends 10 nats above the true NLL: a run above that leaves the plot at the top.",
      std::isfinite(nll_true) ? nll_true + 10.0 : NAN);
  metric_plot(app, "kl", "KL(p_data || p_theta)", "kl_true_model", plot::Scale::Log10,
              cell(2).first, cell(2).second, "KL", none,
              "Kullback-Leibler divergence from the true data density to the learned one, summed "
              "exactly over the grid: 0 for a perfect model. It grows with wrong mode weights and "
              "with mass where the data have none.");
  if (present) return;
  ImGui::SetCursorScreenPos(cell(3).first);
  draw_ebm_scoreboard(app, s, cell(3).second);
  metric_plot(app, "neg_ksd", "Negatives: KSD^2 against the current EBM", "neg_ksd2",
              plot::Scale::Log10, cell(4).first, cell(4).second, "KSD^2", none,
              "Kernel Stein discrepancy (squared, IMQ) of each method's negative samples against "
              "the EBM being trained at that moment: whether the negative sampler keeps up with "
              "the model. A negative sampler that lags feeds the training a biased gradient.");
  metric_plot(
      app, "accept", "Acceptance: flow proposals (flowMC-EBM)", "accept_global",
      plot::Scale::Linear, cell(5).first, cell(5).second, "rate",
      [&](plot::LinePlot& p, std::deque<CurveArrays>& data) {
        for (const RunSnapshot& r : s.runs) {
          const auto it = r.curves.find("accept_local");
          if (it == r.curves.end() || !it->second || it->second->empty()) continue;
          data.push_back(cleaned_curve(*it->second, app.display.cost_axis, "accept_local"));
          p.line(r.label + " local", method_color(r.kind, 0.5f), data.back().x, data.back().y, 1.2f,
                 plot::LineStyle{plot::Dash::dotted, plot::Marker::none});
        }
      },
      "Acceptance rate of flowMC-EBM's global moves (proposals from its normalizing flow, "
      "solid) and of the local MALA moves of the chain methods (dotted, lighter). Flow "
      "acceptance near 0 means the flow no longer matches the EBM: the negatives then come from "
      "the local moves alone.");
  metric_plot(
      app, "mode_tv", "Mode TV: model (solid), negatives (dotted)", "mode_tv", plot::Scale::Linear,
      cell(6).first, cell(6).second, "TV",
      [&](plot::LinePlot& p, std::deque<CurveArrays>& data) {
        for (const RunSnapshot& r : s.runs) {
          const auto it = r.curves.find("neg_mode_tv");
          if (it == r.curves.end() || !it->second || it->second->empty()) continue;
          data.push_back(curve_arrays(*it->second, app.display.cost_axis));
          p.line(r.label + " negatives", method_color(r.kind, 0.7f), data.back().x, data.back().y,
                 1.4f, plot::LineStyle{plot::Dash::dotted, plot::Marker::none});
        }
      },
      "Total variation between the true mode weights and those of the learned density (solid), "
      "and of the negatives (dotted). Negatives that match the model but not the data mean the "
      "model itself is wrong; negatives that match neither mean the sampler is.");
  metric_plot(app, "loss", "EBM loss: E(data) - E(negatives)", "loss", plot::Scale::Linear,
              cell(7).first, cell(7).second, "loss", none,
              "The maximum-likelihood surrogate mean E(x+) - mean E(x-) (plus the energy "
              "penalty) each training step minimizes. It hovers near 0 when the negatives follow "
              "the model; it is not a measure of fit (use the test NLL).");
}

}  // namespace

bool is_ebm_task(const Snapshot& s) {
  if (s.task == Task::ebm) return true;
  for (const RunSnapshot& r : s.runs)
    if (r.curves.count("nll_test")) return true;
  return false;
}

int ebm_mode_count(const Snapshot& s) {
  int k = 0;
  for (const RunSnapshot& r : s.runs)
    while (r.curves.count("mode_weight_" + std::to_string(k + 1))) ++k;
  return k;
}

double ebm_true_mode_weight(const Snapshot& s, int k) {
  if (s.problem && k >= 1 && size_t(k) <= s.problem->true_region_mass.size())
    return s.problem->true_region_mass[size_t(k - 1)];
  if (!s.reference || k < 1 || size_t(k) > s.reference->regions().size()) return NAN;
  return s.reference->regions()[size_t(k - 1)].true_mass;
}

void draw_metrics_panel(AppState& app, ImVec2 min, ImVec2 max) {
  if (!app.plots.snap) app.plots.snap = app.snap;
  if (!app.plots.snap) return;
  const Snapshot& s = *app.plots.snap;
  const float gap = 6.0f * app.dpi_scale;
  // A one-line toolbar: cost axis, log-x, KSD estimator.
  ImGui::SetCursorScreenPos(min);
  const float box = ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x;
  int axis = int(app.display.cost_axis);
  ImGui::TextUnformatted("x axis:");
  for (int k = 0; k < 3; ++k) {
    same_line_if_fits(cost_axis_label(CostAxis(k)), box);
    if (ImGui::RadioButton(cost_axis_label(CostAxis(k)), axis == k)) axis = k;
  }
  item_tooltip(
      "Cost axis of every curve: iterations, target gradient evaluations, or sampler wall "
      "time (metric time excluded), so methods are compared at equal cost.");
  app.display.cost_axis = CostAxis(axis);
  same_line_if_fits("log x", box);
  ImGui::Checkbox("log x", &app.display.log_x);
  item_tooltip("Logarithmic x axis.");
  const bool ebm = is_ebm_task(s);
  if (!ebm) {
    same_line_if_fits("KSD U-statistic", box);
    ImGui::Checkbox("KSD U-statistic", &app.display.ksd_u);
    item_tooltip(
        "Show the unbiased U-statistic of KSD^2 (can be negative near 0; linear axis) instead of "
        "the V-statistic (always positive, biased upwards by about the kernel's diagonal / n).");
  }
  // One key of the method colours for every plot (the plots' own legends list only bands and
  // reference lines).
  for (const RunSnapshot& r : s.runs) {
    same_line_if_fits(r.label.c_str(), 1.4f * ImGui::GetFontSize());
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float fh0 = ImGui::GetFontSize();
    ImGui::GetWindowDrawList()->AddLine(
        ImVec2(p.x, p.y + 0.55f * fh0 + ImGui::GetStyle().FramePadding.y),
        ImVec2(p.x + fh0, p.y + 0.55f * fh0 + ImGui::GetStyle().FramePadding.y),
        method_color(r.kind), 3.0f * plot::line_scale());
    ImGui::Dummy(ImVec2(1.2f * fh0, ImGui::GetFrameHeight()));
    ImGui::SameLine(0, 0.2f * fh0);
    ImGui::AlignTextToFramePadding();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(method_color(r.kind)), "%s", r.label.c_str());
  }
  const float top = ImGui::GetCursorScreenPos().y + 2.0f;
  const float w = max.x - min.x, h = max.y - top;
  if (w < 20 || h < 20) return;
  // The panels in a grid: three columns when each gets at least 18 em, else two or one; rows
  // share the height but are never shorter than 9 em (the window then scrolls instead of
  // squeezing a plot until its labels collide). Presentation mode shows the first row only.
  const float fh = ImGui::GetFontSize();
  const bool present = app.presentation;
  // Chain methods add two panels (split R-hat, ESS per gradient evaluation) in a further row.
  const bool chains = has_chain_diagnostics(s);
  const int panels = present ? 3 : (ebm || chains ? 8 : 6);
  const int cols = w >= 3 * 18 * fh ? 3 : (w >= 2 * 16 * fh ? 2 : 1);
  const int rows = (panels + cols - 1) / cols;
  const int rows_shown = present ? rows : std::min(rows, 2);
  const float row_h =
      std::floor(std::max((h - gap * float(rows_shown - 1)) / float(rows_shown), 9.0f * fh));
  // Column widths: with three columns the KSD and scoreboard column gets 38 %.
  std::vector<float> col_w(size_t(cols), std::floor((w - gap * float(cols - 1)) / float(cols)));
  if (cols == 3) {
    col_w[0] = std::floor((w - 2 * gap) * 0.38f);
    col_w[1] = std::floor((w - 2 * gap - col_w[0]) / 2);
    col_w[2] = w - 2 * gap - col_w[0] - col_w[1];
  }
  const auto cell = [&](int k) {
    const int r = k / cols, c = k % cols;
    float x = min.x;
    for (int j = 0; j < c; ++j) x += col_w[size_t(j)] + gap;
    return std::pair<ImVec2, ImVec2>{ImVec2(x, top + float(r) * (row_h + gap)),
                                     ImVec2(col_w[size_t(c)], row_h)};
  };

  if (ebm) {
    draw_ebm_panels(app, s, present, cell);
    return;
  }

  // KSD² with the i.i.d. band (mean ± 2 sd over independent exact draws at the same n).
  const bool use_u = app.display.ksd_u;
  std::vector<double> band_x, band_lo, band_hi;
  std::deque<std::pair<std::vector<double>, std::vector<double>>> extra_bands;
  metric_plot(
      app, "ksd",
      use_u ? "KSD^2 (U): score fit, unbiased" : "KSD^2 (V): score fit, blind to mode weights",
      use_u ? "ksd2_imq_u" : "ksd2_imq", use_u ? plot::Scale::Linear : plot::Scale::Log10,
      cell(0).first, cell(0).second, "KSD^2",
      [&](plot::LinePlot& p, std::deque<CurveArrays>& data) {
        if (use_u) {
          // The U-statistic of exact samples scatters around 0: its i.i.d. band is mean +- 2 sd
          // over the same exact draws as the V band (Snapshot::ksd2_u_iid_*).
          p.hline("0 = exact", IM_COL32(220, 220, 220, 200), 0.0);
          double x0 = INFINITY, x1 = -INFINITY;
          for (const auto& d : data)
            if (!d.x.empty()) x0 = std::min(x0, d.x.front()), x1 = std::max(x1, d.x.back());
          if (!(x1 >= x0) || !(s.ksd2_u_iid_std > 0)) return;
          if (app.display.log_x) x0 = std::max(x0, 1e-9);
          band_x = {x0, x1};
          band_lo.assign(2, s.ksd2_u_iid_mean - 2 * s.ksd2_u_iid_std);
          band_hi.assign(2, s.ksd2_u_iid_mean + 2 * s.ksd2_u_iid_std);
          p.band("i.i.d. +-2sd", IM_COL32(200, 200, 200, 50), band_x, band_lo, band_hi);
          return;
        }
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
        const int n = s.scenario ? s.scenario->metrics.ksd_samples : 0;
        p.band("i.i.d. +-2sd n=" + std::to_string(n), IM_COL32(200, 200, 200, 50), band_x, band_lo,
               band_hi);
        p.hline("i.i.d. mean", IM_COL32(220, 220, 220, 200), s.ksd2_iid_mean);
        // A method whose evaluation set is smaller (e.g. SVGD with 20 particles) is judged
        // against i.i.d. samples of its own size: for i.i.d. draws E[KSD^2_V] = E[u_p(x,x)] / n
        // exactly (the off-diagonal terms have mean 0), so the band at n' is the computed one
        // scaled by n / n' (the spread scaled alike, which is an approximation).
        std::map<Eigen::Index, const RunSnapshot*> sizes;
        for (const RunSnapshot& r : s.runs)
          if (r.evaluation_samples && r.evaluation_samples->rows() > 0 &&
              r.evaluation_samples->rows() != n)
            sizes.emplace(r.evaluation_samples->rows(), &r);
        for (const auto& [m, r] : sizes) {
          const double f = double(n) / double(m);
          extra_bands.push_back({{lo * f, lo * f}, {band_hi[0] * f, band_hi[0] * f}});
          p.band("i.i.d. n=" + std::to_string(m), method_color(r->kind, 0.22f), band_x,
                 extra_bands.back().first, extra_bands.back().second);
        }
      },
      "Kernelized Stein discrepancy (squared, IMQ kernel) of each method's evaluation samples: "
      "how far the samples are from satisfying the target's Stein identity. It measures the fit "
      "of the score, and cannot see how mass is split between well-separated modes. The grey "
      "band is what exact i.i.d. samples of the same size reach: a perfect sampler sits on it.");

  metric_plot(
      app, "energy", "Energy distance (sees mode weights)", "energy_distance", plot::Scale::Log10,
      cell(1).first, cell(1).second, "energy", [](plot::LinePlot&, std::deque<CurveArrays>&) {},
      "Energy distance between each method's evaluation samples and exact reference samples (0 "
      "for identical distributions). Unlike KSD it compares positions directly, so it sees "
      "wrong mode weights.");

  // Mode coverage (or, on ring-like targets with one region, the angular coverage).
  ImGui::SetCursorScreenPos(cell(2).first);
  const ImVec2 cov_size = cell(2).second;
  if (s.reference && ring_like(s))
    draw_angular_panel(app, s, cov_size);
  else if (s.reference && !s.reference->regions().empty())
    draw_mode_bars(app, s, cov_size);
  else
    ImGui::Dummy(cov_size);
  if (present) return;

  ImGui::SetCursorScreenPos(cell(3).first);
  draw_scoreboard(app, s, cell(3).second);
  draw_losses(app, s, cell(4).first, cell(4).second, gap);
  metric_plot(
      app, "accept", "Acceptance rate (windowed)", "accept_local", plot::Scale::Linear,
      cell(5).first, cell(5).second, "rate",
      [&](plot::LinePlot& p, std::deque<CurveArrays>& data) {
        for (const RunSnapshot& r : s.runs) {
          const auto it = r.curves.find("accept_global");
          if (it == r.curves.end() || !it->second || it->second->empty()) continue;
          data.push_back(cleaned_curve(*it->second, app.display.cost_axis, "accept_global"));
          p.line(r.label + " global", method_color(r.kind, 0.55f), data.back().x, data.back().y,
                 1.2f);
        }
      },
      "Local (MALA) acceptance rate, and the global (flow proposal) acceptance rate in a lighter "
      "shade, for the chain methods. Each point is the rate since the sampler last restarted its "
      "counters (flowMC: each loop); the first point after a restart, a ratio of no proposals, "
      "is left out instead of being drawn as 0.");
  if (chains) {
    draw_rhat_plot(app, cell(6).first, cell(6).second);
    draw_ess_plot(app, cell(7).first, cell(7).second);
  }
}

}  // namespace ss::ui
