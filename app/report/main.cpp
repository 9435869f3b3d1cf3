// samplescope-report: merges sweep cell folders (from `samplescope-run --sweep`, one or several
// shards or machines) into tables and plots (docs/cli.md).
//
//   samplescope-report DIR... [--out REPORT_DIR] [--no-plots]
//
// Writes into REPORT_DIR (default "report"): cells.csv (long format, every cell × method × value),
// summary.csv (mean, sd, min, max over seeds per method × axis setting; core/io/report.h),
// report.md (a Markdown table and the list of missing, failed or left-out cells) and
// plots/<metric>.png: the metric's curve against iterations, the mean over seeds with a band from
// the smallest to the largest seed, one panel per target, drawn by the app's own LinePlot
// (app/plot/plot.h) through a software renderer (app/report/soft_render.h) — no window, no GL.
//
// Exit status: 0 written (problems are listed, not fatal); 2 bad input; 1 internal error.
#include <imgui.h>
#include <stb_image_write.h>

#include <CLI/CLI.hpp>
#include <cfloat>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "app/plot/plot.h"
#include "app/report/soft_render.h"
#include "core/io/files.h"
#include "core/io/report.h"

namespace fs = std::filesystem;
using namespace ss;

namespace {

struct CurveKey {
  std::string panel, line;
  bool operator<(const CurveKey& o) const {
    return std::tie(panel, line) < std::tie(o.panel, o.line);
  }
};

// One line of a panel: per iteration, the values of the seeds.
struct Curve {
  std::map<std::int64_t, std::vector<double>> by_iteration;
};

bool is_target_axis(const std::string& axis) {
  return axis == "target" || axis.rfind("target.", 0) == 0;
}

struct Figure {
  std::string metric;
  std::map<CurveKey, Curve> curves;
  std::map<std::string, std::vector<double>> iid;  // panel → ksd2_imq_iid values
};

// Reads every ok cell's metrics.csv and sorts the rows into panels (target settings) and lines
// (method label × the other non-seed axes). Diverged methods are left out, as in the tables.
std::map<std::string, Figure> collect_curves(const Report& report,
                                             const std::vector<std::string>& metrics,
                                             std::vector<std::string>& warnings) {
  std::map<std::string, Figure> figures;
  for (const auto& m : metrics) figures[m].metric = m;
  for (const auto& c : report.cells) {
    if (c.status != "ok") continue;
    std::string panel, rest;
    for (const auto& a : c.axes) {
      if (a.axis == "seed") continue;
      const std::string value = axis_display(report, a.axis, a.value_json);
      const std::string text = axis_short_name(a.axis) + "=" + value;
      if (is_target_axis(a.axis))
        panel += (panel.empty() ? "" : ", ") + text;
      else if (!(a.axis == "methods" && c.methods.size() == 1 && value == c.methods[0].label))
        rest += ", " + text;  // a one-method list only repeats the label
    }
    if (panel.empty()) panel = c.target;
    std::set<std::string> ok_labels;
    for (const auto& m : c.methods)
      if (m.status == "ok") ok_labels.insert(m.label);
    std::vector<MetricsRow> rows;
    try {
      rows = parse_metrics_csv(read_file_text(c.dir / "metrics.csv"),
                               (c.dir / "metrics.csv").string());
    } catch (const std::exception& e) {
      warnings.push_back(std::string("no curves for cell ") + c.id + ": " + e.what());
      continue;
    }
    for (const auto& r : rows) {
      if (!ok_labels.count(r.label)) continue;
      if (r.metric == "ksd2_imq_iid" && figures.count("ksd2_imq")) {
        if (r.iteration == 0) figures["ksd2_imq"].iid[panel].push_back(r.value);
        continue;
      }
      auto f = figures.find(r.metric);
      if (f == figures.end()) continue;
      f->second.curves[{panel, r.label + rest}].by_iteration[r.iteration].push_back(r.value);
    }
  }
  return figures;
}

// Draws one figure (one panel per target) with the app's LinePlot and saves it as PNG.
bool draw_figure(const Figure& fig, const fs::path& png, std::string& error) {
  std::vector<std::string> panels;
  for (const auto& [key, curve] : fig.curves)
    if (std::find(panels.begin(), panels.end(), key.panel) == panels.end())
      panels.push_back(key.panel);
  if (panels.empty()) return false;
  const int cols = std::min<int>(3, int(panels.size()));
  const int rows = (int(panels.size()) + cols - 1) / cols;
  // One colour per line, the same in every panel; one legend below the panels (not over data).
  std::vector<std::string> lines;
  for (const auto& [key, curve] : fig.curves)
    if (std::find(lines.begin(), lines.end(), key.line) == lines.end()) lines.push_back(key.line);
  auto color_of = [&](const std::string& line) {
    return int(std::find(lines.begin(), lines.end(), line) - lines.begin());
  };
  const float pw = 620, ph = 420, pad = 12, title_h = 34, legend_row = 22;
  const int legend_cols = std::max(1, std::min<int>(int(lines.size()), cols == 1 ? 1 : 2));
  const float legend_h =
      legend_row * float((lines.size() + legend_cols - 1) / legend_cols + 1) + pad;
  const int W = int(cols * pw + (cols + 1) * pad),
            H = int(title_h + rows * (ph + pad) + legend_h + pad);

  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(float(W), float(H));
  // Data kept alive until the frame is rendered (LinePlot references it).
  struct Series {
    std::string label;
    std::vector<double> x, mean, lo, hi;
  };
  std::vector<std::vector<Series>> panel_series(panels.size());
  for (std::size_t p = 0; p < panels.size(); ++p)
    for (const auto& [key, curve] : fig.curves) {
      if (key.panel != panels[p]) continue;
      Series s;
      s.label = key.line;
      for (const auto& [it, values] : curve.by_iteration) {
        double sum = 0, lo = DBL_MAX, hi = -DBL_MAX;
        int n = 0;
        for (double v : values)
          if (std::isfinite(v)) sum += v, lo = std::min(lo, v), hi = std::max(hi, v), ++n;
        if (n == 0) continue;
        s.x.push_back(double(it));
        s.mean.push_back(sum / n);
        s.lo.push_back(lo);
        s.hi.push_back(hi);
      }
      panel_series[p].push_back(std::move(s));
    }
  const bool log_y =
      fig.metric.rfind("ksd", 0) == 0 || fig.metric == "energy_distance" || fig.metric == "loss";
  std::vector<double> iid_level(panels.size(), NAN);
  for (std::size_t p = 0; p < panels.size(); ++p)
    if (auto it = fig.iid.find(panels[p]); it != fig.iid.end() && !it->second.empty()) {
      double s = 0;
      for (double v : it->second) s += v;
      iid_level[p] = s / double(it->second.size());
    }
  for (int frame = 0; frame < 2; ++frame) {  // the second frame has settled layouts
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(io.DisplaySize);
    ImGui::Begin(
        "figure", nullptr,
        ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings);
    ImGui::SetCursorPos(ImVec2(pad, 8));
    ImGui::Text("%s against iterations: mean over seeds, band from the lowest to the highest seed",
                fig.metric.c_str());
    for (std::size_t p = 0; p < panels.size(); ++p) {
      const int r = int(p) / cols, c = int(p) % cols;
      ImGui::SetCursorPos(ImVec2(pad + c * (pw + pad), title_h + r * (ph + pad)));
      plot::LinePlotOptions opt;
      opt.title = panels[p];
      opt.x_label = "iteration";
      opt.y_label = fig.metric;
      opt.y_scale = log_y ? plot::Scale::Log10 : plot::Scale::Linear;
      opt.legend = false;  // one legend for the figure, below the panels
      plot::LinePlot lp(("p" + std::to_string(p)).c_str(), ImVec2(pw, ph), opt);
      const auto& ss = panel_series[p];
      for (std::size_t k = 0; k < ss.size(); ++k)
        if (ss[k].x.size() > 0)
          lp.band(ss[k].label, plot::series_color(color_of(ss[k].label), 0.22f), ss[k].x, ss[k].lo,
                  ss[k].hi);
      for (std::size_t k = 0; k < ss.size(); ++k)
        lp.line(ss[k].label, plot::series_color(color_of(ss[k].label)), ss[k].x, ss[k].mean, 2.0f);
      if (std::isfinite(iid_level[p]))
        lp.hline("i.i.d. samples", IM_COL32(60, 60, 60, 255), iid_level[p]);
      lp.draw();
    }
    // The legend: a swatch and the line's name; then what the band and the dashed line mean.
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float ly = title_h + rows * (ph + pad) + 4, col_w = (W - 2 * pad) / float(legend_cols);
    for (std::size_t k = 0; k < lines.size(); ++k) {
      const float x = pad + col_w * float(k % legend_cols),
                  y = ly + legend_row * float(k / legend_cols);
      dl->AddRectFilled(ImVec2(x, y + 4), ImVec2(x + 26, y + 16),
                        plot::series_color(int(k), 0.22f));
      dl->AddLine(ImVec2(x, y + 10), ImVec2(x + 26, y + 10), plot::series_color(int(k)), 2.5f);
      dl->AddText(ImVec2(x + 34, y + 1), ImGui::GetColorU32(ImGuiCol_Text), lines[k].c_str());
    }
    const float ny = ly + legend_row * float((lines.size() + legend_cols - 1) / legend_cols);
    ImGui::SetCursorPos(ImVec2(pad, ny));
    ImGui::TextDisabled(
        "line: mean over seeds; band: lowest to highest seed%s",
        fig.iid.empty() ? "" : "; dashed: the i.i.d. line (exact samples from the reference)");
    ImGui::End();
    ImGui::Render();
  }
  unsigned char* atlas = nullptr;
  int aw = 0, ah = 0;
  io.Fonts->GetTexDataAsRGBA32(&atlas, &aw, &ah);
  report::Image img;
  img.width = W;
  img.height = H;
  img.rgba.assign(std::size_t(W) * H * 4, 255);
  report::render_draw_data(*ImGui::GetDrawData(), {atlas, aw, ah}, img);
  const fs::path tmp = png.string() + ".tmp";
  if (!stbi_write_png(tmp.c_str(), W, H, 4, img.rgba.data(), W * 4)) {
    error = "cannot write " + png.string();
    return false;
  }
  fs::rename(tmp, png);
  return true;
}

void setup_imgui() {
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.LogFilename = nullptr;
  io.DeltaTime = 1.0f / 60;
  io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  ImGui::StyleColorsLight();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowBorderSize = 0;
  style.AntiAliasedLinesUseTex = false;  // lines as geometry: the atlas is sampled nearest-texel
  bool font = false;
  for (const char* f :
       {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf"}) {
    std::error_code ec;
    if (!font && fs::exists(f, ec)) font = io.Fonts->AddFontFromFileTTF(f, 16.0f) != nullptr;
  }
  if (!font) io.Fonts->AddFontDefault();
  unsigned char* px = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);
  io.Fonts->SetTexID(reinterpret_cast<ImTextureID>(intptr_t(1)));
}

int report_main(int argc, char** argv) {
  CLI::App app{
      "samplescope-report: merge sweep cell folders into cells.csv, summary.csv, report.md and "
      "plots"};
  std::vector<std::string> inputs;
  std::string out_dir = "report";
  bool no_plots = false;
  app.add_option("dirs", inputs, "sweep output folders and/or cell folders")->required();
  app.add_option("--out", out_dir, "folder for the report (created if missing; default: report)");
  app.add_flag("--no-plots", no_plots, "tables only");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "samplescope-report: error: " << e.what()
              << "\nusage: samplescope-report DIR... [--out REPORT_DIR] [--no-plots]\n";
    return 2;
  }
  std::vector<fs::path> paths(inputs.begin(), inputs.end());
  Report report;
  try {
    report = build_report(paths);
  } catch (const std::exception& e) {
    std::cerr << "samplescope-report: error: " << e.what() << "\n";
    return 2;
  }
  const fs::path out(out_dir);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out)) {
    std::cerr << "samplescope-report: error: --out " << out_dir << ": cannot create the folder\n";
    return 2;
  }
  write_file_atomically(out / "cells.csv", cells_csv(report));
  write_file_atomically(out / "summary.csv", summary_csv(report));
  std::vector<std::string> warnings;
  std::string plots_md;
  if (!no_plots) {
    fs::create_directories(out / "plots", ec);
    setup_imgui();
    const auto figures =
        collect_curves(report, {"ksd2_imq", "energy_distance", "mode_tv"}, warnings);
    for (const auto& [metric, fig] : figures) {
      std::string error;
      const fs::path png = out / "plots" / (metric + ".png");
      if (draw_figure(fig, png, error))
        plots_md += "![" + metric + "](plots/" + metric + ".png)\n\n";
      else if (!error.empty())
        warnings.push_back(error);
    }
    ImGui::DestroyContext();
  }
  for (const auto& w : warnings) report.warnings.push_back(w);
  std::string md = report_markdown(report);
  if (!plots_md.empty()) md += "\n## Plots\n\n" + plots_md;
  write_file_atomically(out / "report.md", md);
  std::size_t ok = 0;
  for (const auto& c : report.cells) ok += c.status == "ok";
  std::cerr << "samplescope-report: " << report.cells.size() << " cells (" << ok << " finished), "
            << report.rows.size() << " summary rows, " << report.problems.size()
            << " missing/failed/left out; wrote " << (out / "report.md").string()
            << ", cells.csv, summary.csv" << (no_plots ? "" : ", plots/") << "\n";
  for (const auto& p : report.problems)
    std::cerr << "  " << p.status << ": " << p.cell << (p.label.empty() ? "" : " " + p.label)
              << (p.reason.empty() ? "" : " — " + p.reason) << "\n";
  for (const auto& w : report.warnings) std::cerr << "  warning: " << w << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return report_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "samplescope-report: internal error: " << e.what() << "\n";
    return 1;
  }
}
