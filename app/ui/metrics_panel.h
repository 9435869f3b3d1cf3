// The Metrics panel: live curves of every method on our ImDrawList plots — KSD² (IMQ) on a log
// axis with the i.i.d. band (the value a perfect sampler reaches at the same n), energy distance,
// training losses, acceptance rates — against iterations, gradient evaluations or sampler seconds
// (selectable), and a mode-coverage bar chart (true mass vs each method's mass per mode region).
// Right-click a plot to save it as a PNG; hover for values.
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

}  // namespace ss::ui
