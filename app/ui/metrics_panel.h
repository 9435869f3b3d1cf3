// The Metrics panel: live curves of every method on our ImDrawList plots — KSD² (IMQ) on a log
// axis with the i.i.d. band (the value a perfect sampler reaches at the same n), energy distance,
// training losses, acceptance rates — against iterations, gradient evaluations or sampler seconds
// (selectable), and a mode-coverage bar chart (true mass vs each method's mass per mode region).
// Right-click a plot to save it as a PNG; hover for values.
//
// The ebm task (issue 16) has its own panels, chosen by the snapshot's task: the learned mode
// weights over training against the true ones (one line per method per mode: the method's
// colour, the mode's dash and marker; the true weights dashed grey), test NLL with the true NLL
// line, KL(p_data || p_theta), the negatives' KSD against the current EBM, a scoreboard, the
// acceptance of flowMC-EBM's flow proposals, the model's and the negatives' mode TV, and the
// training loss.
#pragma once

#include "app/ui/app_state.h"

namespace ss::ui {

/// Draws the metric plots into the region [min, max] of the current window.
void draw_metrics_panel(AppState& app, ImVec2 min, ImVec2 max);

/// The x value of a curve point on the chosen cost axis.
double cost_value(const CurvePoint& p, CostAxis axis);
/// Axis label of a cost axis ("iteration", "gradient evaluations", "sampler seconds").
const char* cost_axis_label(CostAxis axis);

/// A curve split into x (on `axis`) and y arrays, ready for plot::LinePlot.
struct CurveArrays {
  std::vector<double> x, y;
};
CurveArrays curve_arrays(const Curve& curve, CostAxis axis);

/// Whether `s` shows the ebm task: Snapshot::task says so, or a run records the EBM curves
/// (nll_test).
bool is_ebm_task(const Snapshot& s);
/// Number of modes K of the mode-weight curves mode_weight_1 … mode_weight_K of any run (0: none).
int ebm_mode_count(const Snapshot& s);
/// True weight of mode k (1-based) of the data: EbmProblem::true_region_mass[k−1] (else the
/// grid reference's region mass);
/// NaN when there is none (CSV data).
double ebm_true_mode_weight(const Snapshot& s, int k);

}  // namespace ss::ui
