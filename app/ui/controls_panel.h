// The Controls panel (left column): target picker with its generated parameters, the method list
// (add, remove, enable, per-method parameters, About text), run controls (play/pause, step,
// step ×N, reset, reseed, budget), scenario open/save/clipboard/gallery, and exports.
#pragma once

#include "app/ui/app_state.h"

namespace ss::ui {

/// Draws the panel's contents into the current window.
void draw_controls_panel(AppState& app);

/// The run-control actions, shared with keyboard shortcuts and the script player.
void toggle_play(AppState& app);
void step_runs(AppState& app, std::int64_t iterations);
void reset_runs(AppState& app);
/// Switches to built-in target `kind` with its default parameters (mixtures: default components).
void select_target(AppState& app, const std::string& kind);
/// Sets one knob of the current target (a ChangeTarget with the knob overridden).
void set_target_param(AppState& app, const std::string& name, double value);
/// Writes the scenario to its file (or settings folder / "scenario.json") — Ctrl+S.
void save_scenario_default(AppState& app);
/// Exports curves (metrics.csv) and samples (samples_<label>.csv) into app.export_dir.
void export_csv_all(AppState& app);

}  // namespace ss::ui
