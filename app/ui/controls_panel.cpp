#include "app/ui/controls_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "app/ui/param_widgets.h"
#include "app/ui/settings.h"
#include "app/ui/slow_motion.h"
#include "core/ebm/trainer.h"
#include "core/targets/builtin.h"

#if __has_include("app/ui/formula_panel.h")
#include "app/ui/formula_panel.h"
#define SS_HAVE_FORMULA_PANEL 1
#endif

namespace ss::ui {

namespace {

const char* kBudgetNames[] = {"iterations", "gradient evals", "seconds"};

void section_header(const char* text) {
  ImGui::Spacing();
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_PlotLinesHovered));
  ImGui::TextUnformatted(text);
  ImGui::PopStyleColor();
  ImGui::Separator();
}

void draw_target_section(AppState& app, const Snapshot& s) {
  section_header("Target");
  const std::string kind = s.scenario ? s.scenario->target.kind : "";
  static const std::vector<std::pair<std::string, std::string>> kinds = [] {
    std::vector<std::pair<std::string, std::string>> v;  // kind, display name
    for (const std::string& k : builtin_target_kinds()) v.emplace_back(k, target_display_name(k));
    return v;
  }();
  std::string shown = kind;
  for (const auto& [k, name] : kinds)
    if (k == kind) shown = name;
  if (kind == "formula") shown = "Formula";
  if (kind == "gmm") shown = "Gaussian mixture (editable)";
  ImGui::SetNextItemWidth(-FLT_MIN);
  if (ImGui::BeginCombo("##target", shown.c_str())) {
    for (const auto& [k, name] : kinds)
      if (ImGui::Selectable(name.c_str(), k == kind)) select_target(app, k);
    ImGui::EndCombo();
  }
  item_tooltip(
      "The unnormalized 2-D density every method samples. Mixtures can be edited on the canvas: "
      "drag a mode, scroll over it to change its spread, double-click to add one, right-click a "
      "mode to remove it.");
  if (s.target_pending) ImGui::TextDisabled("computing the reference...");
  if (s.scenario && !kind.empty() && kind != "formula" && kind != "gmm") {
    try {
      const ParamTable& table = target_param_table(kind);
      std::string name;
      double value = 0;
      ImGui::PushItemWidth(ImGui::GetContentRegionAvail().x * 0.6f);
      if (param_table_widgets(app.panels.param_edits, table, s.scenario->target.params, name,
                              value))
        set_target_param(app, name, value);
      ImGui::PopItemWidth();
    } catch (const std::exception& e) {
      ImGui::TextDisabled("%s", e.what());
    }
  }
  if (s.target) {
    const auto comps = s.target->components();
    if (!comps.empty()) {
      ImGui::PushTextWrapPos(0);
      ImGui::TextDisabled("%d components: drag, scroll, double-click, right-click on the canvas",
                          int(comps.size()));
      ImGui::PopTextWrapPos();
    }
  }
#ifdef SS_HAVE_FORMULA_PANEL
  if (ImGui::TreeNode("Formula target")) {
    draw_formula_panel(app);
    ImGui::TreePop();
  }
#endif
}

void draw_methods_section(AppState& app, const Snapshot& s) {
  section_header("Methods");
  for (size_t i = 0; i < s.runs.size(); ++i) {
    const RunSnapshot& r = s.runs[i];
    ImGui::PushID(r.id);
    ImGui::ColorButton("##c", ImGui::ColorConvertU32ToFloat4(method_color(r.kind)),
                       ImGuiColorEditFlags_NoTooltip,
                       ImVec2(ImGui::GetFontSize(), ImGui::GetFontSize()));
    ImGui::SameLine();
    bool enabled = r.enabled;
    if (ImGui::Checkbox("##en", &enabled)) post_change(app, cmd::SetRunEnabled{r.id, enabled});
    item_tooltip("Enable or disable this method (a disabled run keeps its state).");
    ImGui::SameLine();
    const std::string head = r.label + "###head";
    const bool open = ImGui::TreeNodeEx(head.c_str());
    item_tooltip(kind_display_name(r.kind) + " (" + r.kind + "), seed " + std::to_string(r.seed) +
                 ", iteration " + std::to_string(r.iteration));
    // The state after the label when it fits, else on its own line (never cut off).
    const std::string state = std::string("[") + run_state_name(r.state) + "]";
    const float label_end = ImGui::GetItemRectMin().x + ImGui::GetTreeNodeToLabelSpacing() +
                            ImGui::CalcTextSize(r.label.c_str()).x +
                            ImGui::GetStyle().ItemSpacing.x;
    const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
    if (label_end + ImGui::CalcTextSize(state.c_str()).x <= right)
      ImGui::SameLine(label_end - ImGui::GetWindowPos().x);
    ImGui::TextDisabled("%s", state.c_str());
    if (open) {
      if (ImGui::SmallButton("reset")) app.session->post(cmd::Reset{r.id});
      item_tooltip("Re-initialize this run from its seed (same seed, same trajectory).");
      ImGui::SameLine();
      if (ImGui::SmallButton("remove")) post_change(app, cmd::RemoveRun{r.id});
      item_tooltip("Remove this method and its curves.");
      draw_slow_motion_controls(app, r);
      try {
        const ParamTable& table = kind_param_table(r.kind);
        std::string name;
        double value = 0;
        ImGui::PushItemWidth(ImGui::GetContentRegionAvail().x * 0.55f);
        if (param_table_widgets(app.panels.param_edits, table, r.params, name, value))
          post_param(app, r.id, name, value);
        ImGui::PopItemWidth();
        for (const auto& [metric, v] : r.latest)  // DFT: the noise level derived from the target
          if (metric == "sigma_auto")
            ImGui::TextDisabled("sigma 0 = auto = %.3g (half the target's narrow width)", v);
        if (ImGui::TreeNode("About")) {
          ImGui::PushTextWrapPos(0);
          ImGui::TextUnformatted(kind_about(r.kind).c_str());
          ImGui::PopTextWrapPos();
          ImGui::TreePop();
        }
      } catch (const std::exception& e) {
        ImGui::TextDisabled("%s", e.what());
      }
      ImGui::TreePop();
    }
    if (r.state == RunState::diverged) {
      ImGui::PushTextWrapPos(0);
      ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "diverged at iteration %lld: %s",
                         static_cast<long long>(r.status.iteration), r.status.reason.c_str());
      ImGui::PopTextWrapPos();
    }
    if (!r.last_error.empty()) {
      ImGui::PushTextWrapPos(0);
      ImGui::TextColored(ImVec4(1, 0.6f, 0.3f, 1), "%s", r.last_error.c_str());
      ImGui::PopTextWrapPos();
    }
    ImGui::PopID();
  }
  const bool ebm = snapshot_is_ebm(s);
  const std::vector<std::string> kinds = ebm ? ebm_kinds() : sampler_kinds();
  ImGui::SetNextItemWidth(-FLT_MIN);
  if (ImGui::BeginCombo("##add", ebm ? "+ add negative sampler" : "+ add method")) {
    for (const std::string& k : kinds) {
      if (ImGui::Selectable(kind_display_name(k).c_str()))
        post_change(app, cmd::AddRun{MethodConfig{k, kind_display_name(k), {}, true}});
      if (ImGui::IsItemHovered()) item_tooltip(kind_about(k));
    }
    if (kinds.empty()) ImGui::TextDisabled("no methods are registered in this build");
    ImGui::EndCombo();
  }
  item_tooltip("Add a method; it starts from its own seed on the current target.");
}

void draw_run_section(AppState& app, const Snapshot& s) {
  section_header("Run");
  const float w = (ImGui::GetContentRegionAvail().x - 2 * ImGui::GetStyle().ItemSpacing.x) / 3;
  if (ImGui::Button(s.running ? "Pause" : "Play", ImVec2(w, 0))) toggle_play(app);
  item_tooltip("Run every enabled method until its budget, or pause them (Space).");
  ImGui::SameLine();
  if (ImGui::Button("Step", ImVec2(w, 0))) step_runs(app, 1);
  item_tooltip("Advance every enabled method by one iteration (S).");
  ImGui::SameLine();
  if (ImGui::Button("Reset", ImVec2(w, 0))) reset_runs(app);
  item_tooltip("Re-initialize every run from its seed: the same seed gives the same run (R).");
  const std::string stepn = "Step x" + std::to_string(app.step_n);
  if (ImGui::Button(stepn.c_str(), ImVec2(w, 0))) step_runs(app, app.step_n);
  item_tooltip("Advance every enabled method by N iterations, then pause.");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  ImGui::InputInt("##n", &app.step_n, 0, 0);
  app.step_n = std::clamp(app.step_n, 1, 1000000);
  item_tooltip("N for Step xN.");
  ImGui::SameLine();
  if (ImGui::Button("Reseed", ImVec2(w, 0))) {
    const std::uint64_t seed = (s.scenario ? s.scenario->seed : 0) + 1;
    post_change(app, cmd::Reseed{seed});
  }
  item_tooltip(
      "Give the scenario a new seed (current + 1) and reset every run from it. Reset "
      "keeps the seed; Reseed changes it.");
  ImGui::Checkbox("live: restart runs on changes", &app.display.live_restart);
  item_tooltip(
      "Like a playground: changing the target, a target knob, a mixture mode or a knob that "
      "needs a reset restarts the affected runs at once (and plays them again if they had "
      "finished). Off: changes reach only runs that are still running, and finished runs keep "
      "their old samples.");
  if (s.scenario) {
    ImGui::Text("seed %llu", static_cast<unsigned long long>(s.scenario->seed));
    // Budget.
    Budget b = s.scenario->budget;
    int kind = int(b.kind);
    ImGui::SetNextItemWidth(w * 1.3f);
    bool changed = ImGui::Combo("##bk", &kind, kBudgetNames, 3);
    item_tooltip(
        "What the budget counts, per method: iterations, target gradient evaluations, or "
        "sampler wall time in seconds (metric time excluded).");
    ImGui::SameLine();
    double amount = b.amount;
    ImGui::SetNextItemWidth(-FLT_MIN);
    if (ImGui::InputDouble("##ba", &amount, 0, 0, kind == 2 ? "%.1f" : "%.0f",
                           ImGuiInputTextFlags_EnterReturnsTrue))
      changed = true;
    item_tooltip("Budget amount (Enter to apply). A finished run resumes when the budget grows.");
    if (changed) {
      b.kind = BudgetKind(kind);
      // The scenario's limits (budget_amount_def); a seconds budget's exclusive 0 becomes 0.1.
      const ParamDef& limit = budget_amount_def(b.kind);
      b.amount = kind == 2 ? std::clamp(amount, 0.1, limit.max)
                           : std::clamp(std::round(amount), limit.min, limit.max);
      post_change(app, cmd::SetBudget{b});
    }
    // Metric cadence.
    MetricSettings m = s.scenario->metrics;
    int every = m.every, n = m.ksd_samples;
    ImGui::SetNextItemWidth(w * 1.3f);
    bool mc = ImGui::InputInt("metric every", &every, 0, 0, ImGuiInputTextFlags_EnterReturnsTrue);
    item_tooltip(
        "A metric pass (KSD, energy distance, mode coverage) every this many iterations of "
        "each method. Metric time is measured separately from sampler time.");
    ImGui::SetNextItemWidth(w * 1.3f);
    mc |= ImGui::InputInt("KSD samples", &n, 0, 0, ImGuiInputTextFlags_EnterReturnsTrue);
    const ParamDef& n_def = ksd_samples_def();
    const ParamDef& every_def = metric_every_def();
    char range[64];
    std::snprintf(range, sizeof range, ", [%g, %g].", n_def.min, n_def.max);
    item_tooltip(n_def.help + range);
    if (mc) {
      m.every = std::clamp(every, int(every_def.min), int(every_def.max));
      m.ksd_samples = std::clamp(n, int(n_def.min), int(n_def.max));
      post_change(app, cmd::SetMetrics{m});
    }
  }
}

void draw_scenario_section(AppState& app, const Snapshot& s) {
  section_header("Scenario");
  if (s.scenario) {
    ImGui::PushTextWrapPos(0);
    if (app.scenario_modified) {
      // The name and description describe the scenario as opened; say that it has changed.
      ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.4f, 1), "%s  (modified)", s.scenario->name.c_str());
      item_tooltip(
          "Changed since it was opened or saved (target, methods, knobs, budget or seed): the "
          "description below is the original one. Save to keep the changes.");
      if (!s.scenario->description.empty())
        ImGui::TextDisabled("was: %s", s.scenario->description.c_str());
    } else {
      ImGui::TextUnformatted(s.scenario->name.c_str());
      if (!s.scenario->description.empty())
        ImGui::TextDisabled("%s", s.scenario->description.c_str());
    }
    ImGui::PopTextWrapPos();
  }
  ControlsPanelState& cs = app.panels.controls;
  char* path = cs.scenario_path;
  const size_t path_size = sizeof cs.scenario_path;
  if (!cs.scenario_path_filled) {
    std::snprintf(path, path_size, "%s", app.scenario_path.c_str());
    cs.scenario_path_filled = true;
  }
  ImGui::SetNextItemWidth(-FLT_MIN);
  ImGui::InputTextWithHint("##path", "scenario file path", path, path_size);
  item_tooltip("Path of the scenario file for Open and Save.");
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) / 2;
  if (ImGui::Button("Open", ImVec2(w, 0))) open_scenario_file(app, path);
  item_tooltip("Open the scenario file above (errors name the bad field; nothing changes).");
  ImGui::SameLine();
  if (ImGui::Button("Save", ImVec2(w, 0))) {
    if (*path)
      save_scenario_file(app, path);
    else
      save_scenario_default(app);
    std::snprintf(path, path_size, "%s", app.scenario_path.c_str());
  }
  item_tooltip(
      "Save the scenario as it is now (target, methods, parameters, seed, budget) (Ctrl+S).");
  if (ImGui::Button("Copy JSON", ImVec2(w, 0))) {
    ImGui::SetClipboardText(scenario_json(app).c_str());
    add_message(app, UiMessage::Level::info, "scenario copied to the clipboard");
  }
  item_tooltip("Copy the scenario as JSON to the clipboard, to share it.");
  ImGui::SameLine();
  if (ImGui::Button("Paste JSON", ImVec2(w, 0))) {
    const char* text = ImGui::GetClipboardText();
    open_scenario_text(app, text ? text : "", "<clipboard>");
  }
  item_tooltip("Open a scenario from JSON text on the clipboard.");
  if (ImGui::TreeNodeEx("Gallery", ImGuiTreeNodeFlags_DefaultOpen)) {
    std::vector<std::filesystem::path>& files = cs.gallery;
    if (ImGui::GetTime() - cs.gallery_listed > 5)
      files = gallery_files(app.gallery_dir), cs.gallery_listed = ImGui::GetTime();
    for (const auto& f : files) {
      // Long file names are shortened to the panel's width (the tooltip has the full path).
      const std::string name =
          plot::fit_text(f.stem().string(), ImGui::GetContentRegionAvail().x) + "##" + f.string();
      if (ImGui::Selectable(name.c_str(), f.string() == app.scenario_path)) {
        if (open_scenario_file(app, f.string()))
          std::snprintf(path, path_size, "%s", f.string().c_str());
      }
      item_tooltip("Open " + f.string());
    }
    if (files.empty()) ImGui::TextDisabled("no scenarios in %s", app.gallery_dir.c_str());
    ImGui::TreePop();
  }
}

void draw_view_section(AppState& app) {
  section_header("View");
  DisplayOptions& d = app.display;
  ImGui::PushItemWidth(ImGui::GetContentRegionAvail().x * 0.5f);
  ImGui::Combo("colour map", &d.colormap, "viridis\0magma\0inferno\0plasma\0grey\0");
  item_tooltip("Colour map of the target density heat map.");
  ImGui::Checkbox("log density", &d.log_density);
  item_tooltip("Colour by log density (4 decades below the peak) instead of density.");
  ImGui::SameLine();
  ImGui::Checkbox("heat map", &d.show_density);
  item_tooltip("Show the target density (from the exact grid reference).");
  ImGui::SliderInt("contours", &d.contours, 0, 20);
  item_tooltip("Number of iso-density lines on the heat map (0: none).");
  ImGui::Checkbox("samples", &d.show_samples);
  item_tooltip("Show each method's current samples.");
  ImGui::SameLine();
  ImGui::Checkbox("overlays", &d.show_overlays);
  item_tooltip(
      "Method overlays: flowMC chain trails and flow-density contours; DFT's learned score "
      "(coloured) vs the true score (white) arrows; SVGD's kernel bandwidth circle.");
  if (app.snap && app.snap->problem) {  // the ebm task
    ImGui::Combo("EBM heat map", &d.ebm_heat_map, "learned\0data\0difference\0");
    item_tooltip(
        "What each canvas's heat map shows: the method's learned density p_theta (normalized "
        "exactly on the grid), the true data density, or the difference log p_theta - log "
        "p_data (blue: the model has too little mass there, red: too much; +-4 nats).");
    ImGui::Checkbox("data points", &d.show_data);
    item_tooltip("Draw the training data faintly on every canvas (at most 2000 of them).");
  }
  ImGui::Checkbox("marginals", &d.show_marginals);
  item_tooltip("Marginal histograms of the samples (bars) against the true marginals (lines).");
  ImGui::SliderFloat("point size", &d.point_size, 1.0f, 6.0f, "%.1f");
  item_tooltip("Size of the sample points in pixels.");
  ImGui::Checkbox("overlay legend", &d.show_legend);
  item_tooltip("A legend on each canvas saying what its overlays are.");
  if (ImGui::Button("Fit view")) app.view_auto_fit = true;
  item_tooltip(
      "Fit the canvases to the target's box (drag empty canvas space to pan, scroll to zoom).");
  ImGui::Text("UI scale %.0f%%", 100.0 * d.ui_scale);
  item_tooltip("Size of all text and controls (Ctrl+= / Ctrl+- / Ctrl+0). Saved in the settings.");
  ImGui::SameLine();
  if (ImGui::SmallButton(" - ")) d.ui_scale = clamp_ui_scale(d.ui_scale / 1.1f);
  ImGui::SameLine();
  if (ImGui::SmallButton(" + ")) d.ui_scale = clamp_ui_scale(d.ui_scale * 1.1f);
  ImGui::SameLine();
  if (ImGui::SmallButton("100%")) d.ui_scale = 1.0f;
  if (ImGui::Button("Presentation (F11)")) app.presentation = true;
  item_tooltip(
      "Hide the controls and enlarge the canvases and plots, with thicker lines (F11 or Esc "
      "to leave).");
  ImGui::PopItemWidth();
}

void draw_export_section(AppState& app) {
  section_header("Export");
  char* dir = app.panels.controls.export_dir;
  const size_t dir_size = sizeof app.panels.controls.export_dir;
  if (!*dir) std::snprintf(dir, dir_size, "%s", app.export_dir.c_str());
  ImGui::SetNextItemWidth(-FLT_MIN);
  if (ImGui::InputTextWithHint("##dir", "export folder", dir, dir_size)) app.export_dir = dir;
  item_tooltip("Folder the exports are written to.");
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) / 2;
  if (ImGui::Button("PNG window", ImVec2(w, 0))) {
    if (app.headless)
      report_error(app, "PNG export needs a window (this is a headless run)");
    else
      app.png_requests.push_back(
          PngRequest{next_numbered_path(app.export_dir, "samplescope", ".png"), ""});
  }
  item_tooltip(
      "Save the whole window as a numbered PNG. Right-click a canvas or a plot to save just "
      "that one.");
  ImGui::SameLine();
  if (ImGui::Button("CSV", ImVec2(w, 0))) export_csv_all(app);
  if (!app.recording) {
    if (ImGui::Button("Record GIF", ImVec2(w, 0)))
      app.record_request =
          AppState::RecordRequest{next_numbered_path(app.export_dir, "samplescope", ".gif"), "", 0};
    item_tooltip(
        "Record the window to an animated GIF until Stop (encoded off the UI thread). "
        "Right-click a canvas to record only that canvas.");
    ImGui::SameLine();
    if (ImGui::Button("Record MP4", ImVec2(w, 0)))
      app.record_request =
          AppState::RecordRequest{next_numbered_path(app.export_dir, "samplescope", ".mp4"), "", 0};
    item_tooltip("Record the window to an MP4 video by piping frames to ffmpeg (if installed).");
  } else {
    if (ImGui::Button("Stop recording", ImVec2(-FLT_MIN, 0))) app.record_stop_request = true;
  }
  if (!app.recording_status.empty()) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("%s", app.recording_status.c_str());
    ImGui::PopTextWrapPos();
  }
  item_tooltip(
      "Write metrics.csv (every curve, long format) and samples_<label>.csv (x,y) of every "
      "method into the export folder.");
}

}  // namespace

void toggle_play(AppState& app) {
  if (!app.session || !app.snap) return;
  if (app.snap->running)
    app.session->post(cmd::Pause{});
  else
    app.session->post(cmd::Start{});
}

void step_runs(AppState& app, std::int64_t iterations) {
  if (app.session) app.session->post(cmd::Step{std::max<std::int64_t>(1, iterations)});
}

void reset_runs(AppState& app) {
  if (app.session) app.session->post(cmd::Reset{});
}

void select_target(AppState& app, const std::string& kind) {
  if (!app.session) return;
  TargetSpec spec;
  spec.kind = kind;
  if (kind == "gmm") spec.components = default_gmm_components();
  try {
    make_target(spec);  // check at once so the error appears next to the control
  } catch (const std::exception& e) {
    report_error(app, "cannot use target '" + kind + "': " + e.what());
    return;
  }
  post_target(app, spec);
  app.editing_target.reset();
  app.view_needs_fit = true;
}

void set_target_param(AppState& app, const std::string& name, double value) {
  if (!app.session || !app.snap || !app.snap->scenario) return;
  TargetSpec spec = app.snap->scenario->target;
  spec.params[name] = value;
  try {
    make_target(spec);
  } catch (const std::exception& e) {
    report_error(app, "target parameter '" + name + "': " + e.what());
    return;
  }
  post_target(app, spec);
  app.view_needs_fit = true;
}

void save_scenario_default(AppState& app) {
  std::string path = app.scenario_path;
  // Never overwrite the shipped gallery: save next to the settings instead.
  if (path.empty() || path.rfind(app.gallery_dir, 0) == 0)
    path = (config_dir() / "scenario.json").string();
  save_scenario_file(app, path);
}

void export_csv_all(AppState& app) {
  if (!app.snap) return;
  std::error_code ec;
  std::filesystem::create_directories(app.export_dir, ec);
  const std::string csv = (std::filesystem::path(app.export_dir) / "metrics.csv").string();
  std::string err = export_curves_csv(*app.snap, csv);
  if (err.empty()) err = export_samples_csv(*app.snap, app.export_dir);
  if (err.empty())
    add_message(app, UiMessage::Level::info,
                "exported metrics.csv and samples_*.csv to " + app.export_dir);
  else
    report_error(app, err);
}

// The task: sample the target, or learn an energy-based model of data drawn from it.
void draw_task_section(AppState& app, const Snapshot& s) {
  const bool ebm = snapshot_is_ebm(s);
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Task:");
  // The choices flow like words: a radio button that does not fit on the line starts the next one
  // (at a large UI scale the Controls window is narrower than the row).
  const auto flow = [](const char* label) {
    ImGui::SameLine();
    const float need = ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x +
                       ImGui::CalcTextSize(label).x;
    if (ImGui::GetContentRegionAvail().x < need) ImGui::NewLine();
  };
  flow("Sample");
  if (ImGui::RadioButton("Sample", !ebm)) select_task(app, false);
  item_tooltip(
      "Sample the target density with each method, compared by KSD, energy distance and mode "
      "coverage (opens the default scenario).");
  flow("Learn from data");
  if (ImGui::RadioButton("Learn from data", ebm)) select_task(app, true);
  item_tooltip(
      "Train an energy-based model on data drawn from the target (or from a CSV file), one "
      "model per negative sampler, compared by test NLL, KL and the learned mode weights (opens "
      "the gallery's 2:1 EBM scenario).");
}

// The ebm task's data: drawn from the target, or the points of a CSV file (a path box as for
// scenarios).
void draw_data_section(AppState& app, const Snapshot& s) {
  if (!snapshot_is_ebm(s) || !s.scenario) return;
  section_header("Data");
  const DataSettings& d = s.scenario->data;
  ImGui::PushTextWrapPos(0);
  if (s.problem)
    ImGui::TextDisabled("%lld training + %lld test points %s",
                        static_cast<long long>(s.problem->train.rows()),
                        static_cast<long long>(s.problem->test.rows()),
                        d.csv.empty() ? "drawn from the target" : "from the file");
  if (!d.csv.empty()) ImGui::TextDisabled("file: %s", d.csv.c_str());
  ImGui::PopTextWrapPos();
  char* path = app.panels.controls.data_csv;
  ImGui::SetNextItemWidth(-FLT_MIN);
  ImGui::InputTextWithHint("##data_csv", "data CSV path (x,y rows)", path,
                           sizeof app.panels.controls.data_csv);
  item_tooltip(
      "A CSV file of points, one 'x,y' row each (a header line 'x,y' is allowed). Every 5th row "
      "is held out as the test set; the EBM is normalized on the points' bounding square.");
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) / 2;
  if (ImGui::Button("Train on file", ImVec2(w, 0))) open_data_csv(app, path);
  item_tooltip("Restart every run on the points of the file above (errors name the line).");
  ImGui::SameLine();
  ImGui::BeginDisabled(d.csv.empty());
  if (ImGui::Button("Use the target", ImVec2(w, 0))) open_data_csv(app, "");
  ImGui::EndDisabled();
  item_tooltip("Draw the data from the target again (the Target section picks it).");
}

// The ebm task's shared EBM settings; a change applies live: every run continues with it.
void draw_ebm_section(AppState& app, const Snapshot& s) {
  if (!snapshot_is_ebm(s) || !s.scenario) return;
  if (!ImGui::TreeNode("EBM training")) return;
  const EbmSettings& e = s.scenario->ebm;
  ImGui::PushItemWidth(ImGui::GetContentRegionAvail().x * 0.45f);
  const ImGuiInputTextFlags enter = ImGuiInputTextFlags_EnterReturnsTrue;
  double lr = e.learning_rate, l2 = e.l2, range = e.max_log_density_range;
  int batch = e.batch, persistent = e.persistent;
  if (ImGui::InputDouble("learning rate", &lr, 0, 0, "%.4g", enter))
    set_ebm_setting(app, "learning_rate", lr);
  item_tooltip(
      "gamma of the EBM's optimizer, in (0, 1]. Enter applies it to every run's "
      "optimizer; training continues.");
  if (ImGui::InputInt("batch", &batch, 0, 0, enter)) set_ebm_setting(app, "batch", batch);
  item_tooltip("Data points and negatives per training step, in [1, 4096] (live).");
  if (ImGui::InputInt("persistent", &persistent, 0, 0, enter))
    set_ebm_setting(app, "persistent", persistent);
  item_tooltip(
      "Persistent chains of the chain samplers, in [batch, 65536] (live: chains kept, "
      "new ones started as at reset).");
  if (ImGui::InputDouble("energy penalty", &l2, 0, 0, "%.3g", enter))
    set_ebm_setting(app, "l2", l2);
  item_tooltip("lambda of lambda * mean(E(x+)^2 + E(x-)^2), in [0, 1] (live).");
  if (ImGui::InputDouble("blow-up range", &range, 0, 0, "%.6g", enter))
    set_ebm_setting(app, "max_log_density_range", range);
  item_tooltip(
      "A run whose log density spans more than this many nats over the grid (max - min, "
      "checked at each metric pass) stops as diverged. In [1, 1e15] (live).");
  ImGui::PopItemWidth();
  ImGui::TextDisabled("%s, %zu hidden layers", e.optimizer.c_str(), e.hidden.size());
  ImGui::TreePop();
}

void draw_controls_panel(AppState& app) {
  if (!app.snap) return;
  const Snapshot& s = *app.snap;
  draw_task_section(app, s);
  draw_run_section(app, s);
  draw_target_section(app, s);
  draw_data_section(app, s);
  draw_ebm_section(app, s);
  draw_methods_section(app, s);
  draw_view_section(app);
  draw_scenario_section(app, s);
  draw_export_section(app);
}

}  // namespace ss::ui
