#include "app/ui/app_state.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <sstream>

#include "app/ui/canvas_panel.h"
#include "core/ebm/trainer.h"
#include "core/io/files.h"
#include "core/io/results.h"

namespace ss::ui {

void add_message(AppState& app, UiMessage::Level level, std::string text) {
  if (level == UiMessage::Level::error) {
    std::fprintf(stderr, "samplescope: %s\n", printable(text).c_str());
    ++app.errors_reported;
  }
  const double now = ImGui::GetCurrentContext() ? ImGui::GetTime() : 0.0;
  app.messages.push_back(UiMessage{level, std::move(text), now});
  while (app.messages.size() > 50) app.messages.pop_front();
}

void begin_frame(AppState& app) {
  if (!app.session) return;
  app.snap = app.session->snapshot();
  const Snapshot& s = *app.snap;
  // The plots follow the engine a few times a second while runs advance: fast samplers add a
  // metric point 20-30 times a second, and redrawing every plot for each of them would cost a
  // software rasterizer several milliseconds a frame for no visible gain. When nothing advances
  // (paused, stepped, finished) or runs come and go, they show the latest snapshot at once.
  const double now = ImGui::GetTime();
  const auto same_runs = [](const Snapshot& a, const Snapshot& b) {
    if (a.runs.size() != b.runs.size()) return false;
    for (size_t i = 0; i < a.runs.size(); ++i)
      if (a.runs[i].id != b.runs[i].id || a.runs[i].label != b.runs[i].label) return false;
    return true;
  };
  app.plots.follow(
      app.snap, now, kPlotRefreshSeconds,
      !(s.running && !s.finished) || !app.plots.snap || !same_runs(*app.plots.snap, s));
  // What the panels keep of runs that were removed (run ids are never reused in a session).
  for (const RunId id : forget_removed_runs(app.panels, s))
    if (app.renderer) drop_run_canvas_resources(*app.renderer, id);
  for (const SessionMessage& m : s.messages) {
    if (m.sequence <= app.last_engine_message) continue;
    app.last_engine_message = m.sequence;
    add_message(
        app,
        m.level == SessionMessage::Level::error ? UiMessage::Level::error : UiMessage::Level::info,
        m.text);
  }
  // A scenario whose ground truth cannot be computed (its runs could never start): say why and
  // show the default scenario instead, once (if the default fails too, its error stays shown).
  if (!s.reference && !s.reference_error.empty() && !s.target_pending && !app.fell_back) {
    app.fell_back = true;
    report_error(app, "cannot show scenario '" + (s.scenario ? s.scenario->name : std::string()) +
                          "': " + s.reference_error + "; showing the default scenario instead");
    app.session->post(cmd::LoadScenario{default_scenario(app)});
    app.view_needs_fit = true;
    app.editing_target.reset();
  }
  if (s.reference && s.reference.get() != app.fitted_reference) {
    // A new target's reference: fit the view when asked to (first one, or a new scenario), and
    // drop the local mixture copy once the engine has caught up with it.
    if (app.view_needs_fit) {
      app.view_auto_fit = true;  // the canvas panel fits the box to the canvases' shape
      app.view_needs_fit = false;
    }
    app.fitted_reference = s.reference.get();
  }

  if (app.editing_target && app.drag_component < 0 && !s.target_pending && s.scenario &&
      s.scenario->target.components.size() == app.editing_target->components.size() &&
      ImGui::GetTime() - app.last_target_post > 0.5)
    app.editing_target.reset();
}

bool run_is_stale(const AppState& app, const RunSnapshot& r) {
  return app.snap && app.snap->target && r.state_target && r.state_target != app.snap->target;
}

bool wants_continuous_redraw(const AppState& app) {
  if (!app.snap) return true;
  return (app.snap->running && !app.snap->finished) || app.snap->target_pending ||
         !app.snap->reference || app.drag_component >= 0 || !app.png_requests.empty();
}

namespace {

bool post_scenario(AppState& app, Scenario sc, const std::string& source) {
  try {
    validate_scenario(sc, source);
  } catch (const std::exception& e) {
    report_error(app, std::string("cannot open scenario: ") + e.what());
    return false;
  }
  // A scenario budgeted in gradient evaluations or seconds is compared on that axis.
  if (sc.budget.kind == BudgetKind::gradient_evals)
    app.display.cost_axis = CostAxis::gradient_evals;
  else if (sc.budget.kind == BudgetKind::seconds)
    app.display.cost_axis = CostAxis::seconds;
  app.session->post(cmd::LoadScenario{std::move(sc)});
  app.scenario_modified = false;
  app.view_needs_fit = true;
  app.editing_target.reset();
  return true;
}

}  // namespace

bool open_scenario_file(AppState& app, const std::string& path) {
  if (!app.session) return false;
  try {
    Scenario sc = load_scenario(path);
    if (!post_scenario(app, std::move(sc), path)) return false;
    app.scenario_path = path;
    add_message(app, UiMessage::Level::info, "opened " + path);
    return true;
  } catch (const std::exception& e) {
    report_error(app, std::string("cannot open scenario: ") + e.what());
    return false;
  }
}

bool open_scenario_text(AppState& app, const std::string& text, const std::string& source) {
  if (!app.session) return false;
  try {
    return post_scenario(app, parse_scenario(text, source), source);
  } catch (const std::exception& e) {
    report_error(app, std::string("cannot read scenario: ") + e.what());
    return false;
  }
}

bool save_scenario_file(AppState& app, const std::string& path) {
  if (!app.snap || !app.snap->scenario) {
    report_error(app, "nothing to save yet: the engine has not published a scenario");
    return false;
  }
  try {
    save_scenario(*app.snap->scenario, path);
    app.scenario_path = path;
    app.scenario_modified = false;
    add_message(app, UiMessage::Level::info, "saved scenario to " + path);
    return true;
  } catch (const std::exception& e) {
    report_error(app, std::string("cannot save scenario: ") + e.what());
    return false;
  }
}

std::string scenario_json(const AppState& app) {
  if (!app.snap || !app.snap->scenario) return "";
  return to_json_text(*app.snap->scenario);
}

std::vector<std::filesystem::path> gallery_files(const std::string& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string export_curves_csv(const Snapshot& snap, const std::string& path) {
  // The runner's format and order (core/io/results.h): enabled methods in run order, each one's
  // passes in iteration order, metric names in order within a pass.
  std::string out(kMetricsCsvHeader);
  for (const RunSnapshot& r : snap.runs) {
    if (!r.enabled) continue;
    std::map<std::int64_t, MetricPass> passes;
    for (const auto& [name, curve] : r.curves) {  // name order
      if (!curve) continue;
      for (const CurvePoint& p : *curve) {
        MetricPass& pass = passes[p.iteration];
        pass.iteration = p.iteration;
        pass.gradient_evals = p.gradient_evals;
        pass.wall_seconds = p.sampler_seconds;
        pass.values.emplace_back(name, p.value);
      }
    }
    for (const auto& [iteration, pass] : passes) append_metric_rows(out, r.kind, r.label, pass);
  }
  try {
    write_file_atomically(path, out);
  } catch (const std::exception& e) {
    return std::string("cannot export curves: ") + e.what();
  }
  return "";
}

std::string export_samples_csv(const Snapshot& snap, const std::string& dir) {
  // The runner's files (core/io/results.h): the evaluation samples of the latest metric pass of
  // every enabled method, under the same de-duplicated names, written as one set.
  std::vector<std::string> labels;
  for (const RunSnapshot& r : snap.runs)
    if (r.enabled) labels.push_back(r.label);
  const std::vector<std::string> names = samples_file_names(labels);
  const std::vector<std::string> density_names = density_file_names(labels);
  std::vector<std::pair<std::string, std::string>> files;
  size_t k = 0;
  const Points empty(0, 2);
  for (const RunSnapshot& r : snap.runs) {
    if (!r.enabled) continue;
    files.emplace_back(names[k], points_csv(r.evaluation_samples ? *r.evaluation_samples : empty));
    // The learned density on its grid, in the runner's format (x,y,log_density).
    if (r.model_log_density)
      files.emplace_back(density_names[k],
                         density_csv(*r.model_log_density, r.model_grid_n, r.model_box));
    ++k;
  }
  try {
    std::filesystem::create_directories(dir);
    write_file_set(dir, files);
  } catch (const std::exception& e) {
    return std::string("cannot export samples: ") + e.what();
  }
  return "";
}

Scenario default_scenario(const AppState& app) {
  if (!app.gallery_dir.empty()) {
    try {
      return load_scenario(std::filesystem::path(app.gallery_dir) / "default.json");
    } catch (const std::exception&) {
    }
  }
  return builtin_default_scenario();
}

float clamp_ui_scale(float scale) {
  if (!std::isfinite(scale)) return 1.0f;
  return std::round(std::clamp(scale, 0.5f, 3.0f) * 20.0f) / 20.0f;
}

ImU32 method_color(const std::string& kind, float alpha) {
  // Saturated hues kept away from the colour maps' bright ends (viridis yellow-green, magma and
  // inferno pale yellow-orange, plasma yellow): cyan, magenta, violet, green, red, blue, pink.
  static const std::map<std::string, ImU32> colors = {
      {"dft", IM_COL32(0, 235, 255, 255)},
      {"svgd", IM_COL32(255, 64, 200, 255)},
      {"amortized_svgd", IM_COL32(150, 110, 255, 255)},
      {"flowmc", IM_COL32(60, 255, 90, 255)},
      {"mala", IM_COL32(255, 60, 60, 255)},
      {"ula", IM_COL32(255, 150, 40, 255)},
      {"kl_ns", IM_COL32(70, 140, 255, 255)},
      {"rwmh", IM_COL32(200, 200, 200, 255)},
      {"adaptive_mh", IM_COL32(255, 200, 230, 255)},
      {"hmc", IM_COL32(255, 110, 130, 255)},
      {"nuts", IM_COL32(180, 255, 220, 255)}};
  const auto it = colors.find(kind);
  if (it == colors.end()) return plot::series_color(int(std::hash<std::string>{}(kind) % 7), alpha);
  const ImU32 c = it->second;
  return (c & ~IM_COL32_A_MASK) |
         (ImU32(std::clamp(alpha, 0.0f, 1.0f) * 255.0f + 0.5f) << IM_COL32_A_SHIFT);
}

void post_target(AppState& app, const TargetSpec& spec) {
  if (!app.session) return;
  app.session->post(cmd::ChangeTarget{spec, app.display.live_restart});
  app.scenario_modified = true;
}

void post_param(AppState& app, RunId id, const std::string& name, double value) {
  if (!app.session) return;
  app.session->post(cmd::SetParam{id, name, value});
  app.scenario_modified = true;
  if (!app.display.live_restart || !app.snap || !app.snap->finished) return;
  const RunSnapshot* r = nullptr;
  for (const RunSnapshot& x : app.snap->runs)
    if (x.id == id) r = &x;
  if (!r) return;
  try {
    const ParamDef* def = find_param(kind_param_table(r->kind), name);
    if (def && def->needs_reset) app.session->post(cmd::Start{});
  } catch (const std::exception&) {
  }
}

bool snapshot_is_ebm(const Snapshot& s) {
  return s.task == Task::ebm;
}

bool is_ebm_kind(const std::string& kind) {
  const std::vector<std::string> kinds = ebm_kinds();
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

std::string kind_display_name(const std::string& kind) {
  return is_ebm_kind(kind) ? ebm_display_name(kind) : sampler_display_name(kind);
}

std::string kind_about(const std::string& kind) {
  return is_ebm_kind(kind) ? ebm_about(kind) : sampler_about(kind);
}

const ParamTable& kind_param_table(const std::string& kind) {
  return is_ebm_kind(kind) ? ebm_param_table(kind) : sampler_param_table(kind);
}

bool open_data_csv(AppState& app, const std::string& path) {
  if (!app.session || !app.snap || !app.snap->scenario) return false;
  if (app.snap->task != Task::ebm) {
    report_error(app, "data files are for the ebm task (Task: Learn from data)");
    return false;
  }
  Scenario sc = *app.snap->scenario;
  if (path.empty()) {
    sc.data = DataSettings{};
  } else {
    try {
      const Points p = read_points_csv(path);
      if (p.rows() == 0) throw std::runtime_error(path + ": no points");
      const double x0 = p.col(0).minCoeff(), x1 = p.col(0).maxCoeff();
      const double y0 = p.col(1).minCoeff(), y1 = p.col(1).maxCoeff();
      const double half = 0.5 * std::max({x1 - x0, y1 - y0, 1e-6}) * 1.2;
      const double cx = 0.5 * (x0 + x1), cy = 0.5 * (y0 + y1);
      sc.data = DataSettings{};
      sc.data.csv = std::filesystem::absolute(path).string();
      sc.data.box = Box{cx - half, cx + half, cy - half, cy + half};
    } catch (const std::exception& e) {
      report_error(app, std::string("cannot use the data file: ") + e.what());
      return false;
    }
  }
  if (!post_scenario(app, std::move(sc), path.empty() ? "data from the target" : path))
    return false;
  app.scenario_modified = true;
  add_message(app, UiMessage::Level::info,
              path.empty() ? "data drawn from the target" : "training on " + path);
  return true;
}

bool set_ebm_setting(AppState& app, const std::string& name, double value) {
  if (!app.session || !app.snap || !app.snap->scenario || app.snap->task != Task::ebm) {
    report_error(app, "EBM settings are for the ebm task (Task: Learn from data)");
    return false;
  }
  Scenario sc = *app.snap->scenario;
  if (name == "learning_rate")
    sc.ebm.learning_rate = value;
  else if (name == "batch")
    sc.ebm.batch = int(std::lround(value));
  else if (name == "persistent")
    sc.ebm.persistent = int(std::lround(value));
  else if (name == "l2")
    sc.ebm.l2 = value;
  else if (name == "max_log_density_range")
    sc.ebm.max_log_density_range = value;
  else {
    report_error(app, "unknown EBM setting '" + name +
                          "' (learning_rate, batch, persistent, l2, max_log_density_range)");
    return false;
  }
  if (sc.ebm == app.snap->scenario->ebm) return true;  // nothing to change
  try {
    validate_scenario(sc, "EBM setting " + name);
  } catch (const std::exception& e) {
    report_error(app, std::string("cannot change the EBM setting: ") + e.what());
    return false;
  }
  // A live command: every run continues training with the new value (cmd::SetEbmSettings).
  app.session->post(cmd::SetEbmSettings{sc.ebm});
  app.scenario_modified = true;
  return true;
}

bool select_task(AppState& app, bool ebm) {
  if (!app.session) return false;
  if (app.snap && snapshot_is_ebm(*app.snap) == ebm) return false;
  if (!ebm) {
    Scenario sc = default_scenario(app);
    const std::string path = (std::filesystem::path(app.gallery_dir) / "default.json").string();
    if (!post_scenario(app, std::move(sc), "default scenario")) return false;
    app.scenario_path = std::filesystem::exists(path) ? path : "";
    return true;
  }
  const std::filesystem::path path = std::filesystem::path(app.gallery_dir) / kEbmGalleryScenario;
  if (!std::filesystem::exists(path)) {
    report_error(app, "no EBM scenario to open: " + path.string() + " is missing");
    return false;
  }
  return open_scenario_file(app, path.string());
}

void post_change(AppState& app, Command command) {
  if (!app.session) return;
  app.session->post(std::move(command));
  app.scenario_modified = true;
}

Scenario builtin_default_scenario() {
  Scenario sc;
  sc.name = "Donut (built-in default)";
  sc.seed = 42;
  sc.target.kind = "donut";
  const std::vector<std::string> kinds = sampler_kinds();
  std::vector<std::string> chosen;
  for (const char* k : {"dft", "svgd", "flowmc"})
    if (std::find(kinds.begin(), kinds.end(), k) != kinds.end()) chosen.push_back(k);
  for (size_t i = 0; chosen.size() < 3 && i < kinds.size(); ++i)
    if (std::find(chosen.begin(), chosen.end(), kinds[i]) == chosen.end())
      chosen.push_back(kinds[i]);
  for (const std::string& k : chosen)
    sc.methods.push_back(MethodConfig{k, sampler_display_name(k), {}, true});
  sc.budget = Budget{BudgetKind::iterations, 2000};
  return sc;
}

}  // namespace ss::ui
