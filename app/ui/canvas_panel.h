// The Canvases panel: one canvas per method in a grid, all sharing one pan/zoom with equal aspect.
// Each shows the target density (our GLSL heat map of the grid reference), the method's samples,
// its overlays (flowMC trails and flow-density contours, DFT learned vs true score arrows, SVGD
// kernel bandwidth) and optionally marginal histograms against the true marginals.
//
// Mouse: drag empty space (or middle-drag anywhere) to pan, scroll to zoom; on mixture targets
// drag a mode to move it, scroll over it to change its spread, double-click to add a mode,
// right-click a mode to remove it. Edits post ChangeTarget commands (throttled while dragging);
// the engine computes the new reference off the UI thread. Right-click empty space for the
// canvas menu (save PNG of this canvas, fit view).
#pragma once

#include "app/ui/app_state.h"

namespace ss::ui {

/// Draws the canvas grid into the region [min, max] of the current window.
void draw_canvas_panel(AppState& app, ImVec2 min, ImVec2 max);

/// Frees the GL resources the canvases keep for run `id` (its composited layer, its flow-density
/// and learned-density grids and their cached renders); begin_frame() calls it for every run that
/// left the snapshot (forget_removed_runs()).
void drop_run_canvas_resources(gfx::DensityRenderer& renderer, RunId id);

/// The nats of log p_θ − log p_data that the difference colours span each way (beyond: clamped).
inline constexpr double kEbmDifferenceNats = 4.0;

/// The texture values of an ebm canvas's heat map from a run's learned log density (n × n cells,
/// `cell_area` each) and, for the difference, the true log density on the same grid (empty: no
/// truth, then nothing is made). learned: cell masses exp(log p_θ)·cell_area (Σ = 1 for a
/// normalized model), `max` their largest; difference: t = 1/2 + (log p_θ − log p_data) /
/// (2·kEbmDifferenceNats) clamped to [0, 1] (1/2: equal), non-finite differences at 1/2, max = 1.
/// Returns false (out empty) when the sizes do not match.
bool ebm_heat_values(const std::vector<float>& model_log, const std::vector<double>& true_log,
                     int n, double cell_area, EbmHeatMap view, std::vector<float>& out, float& max);

/// The grid of `n` equal cells in a w × h region that shows a box of width/height `box_aspect`
/// largest at equal aspect (for a square box: each canvas as square and large as possible; a
/// wide box, like the four modes on a line, gets canvases in rows): returns the number of
/// columns (rows = ceil(n / cols)). n = 0 gives 1.
int canvas_grid_columns(int n, float w, float h, float box_aspect = 1.0f);

/// The mixture the canvas edits: the editing copy when there is one, else the target's components
/// as a "gmm" spec; nullopt when the target is not a mixture.
std::optional<TargetSpec> editable_mixture(const AppState& app);

/// Moves component `index` of the editing mixture to world (x, y) and posts a ChangeTarget (at
/// most every 0.12 s unless `force`). Used by mouse dragging and by the script player.
void move_mixture_component(AppState& app, int index, double x, double y, bool force);

}  // namespace ss::ui
