#include "core/targets/escape.h"

#include <algorithm>
#include <cmath>

#include <cstdio>

namespace ss {

namespace {

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

}  // namespace

Box escape_box(const Box& view) {
  const double half = 0.5 * std::max(view.width(), view.height());
  const double cx = 0.5 * (view.xmin + view.xmax), cy = 0.5 * (view.ymin + view.ymax);
  const double r = kEscapeBoxMultiple * half;
  return {cx - r, cx + r, cy - r, cy + r};
}

std::string escape_reason(const Points& points, const Box& view, std::string_view what) {
  const Box limit = escape_box(view);
  const Eigen::Index n = points.rows();
  for (Eigen::Index i = 0; i < n; ++i) {
    const double x = points(i, 0), y = points(i, 1);
    // One comparison chain per row; NaN fails every comparison and lands here too.
    if (x >= limit.xmin && x <= limit.xmax && y >= limit.ymin && y <= limit.ymax) continue;
    if (!std::isfinite(x) || !std::isfinite(y))
      return std::string(what) + " positions became non-finite";
    const double half = 0.5 * (limit.xmax - limit.xmin);
    return std::string(what) + " at (" + short_number(x) + ", " + short_number(y) +
           ") escaped far outside the view box (beyond ±" + short_number(half) +
           " around its centre: " + short_number(kEscapeBoxMultiple) + " × the box)";
  }
  return "";
}

}  // namespace ss
