// Regular grids over a box, written once (issue 19): the cell centres that heat maps, the grid
// reference, the EBM metrics grid, density files, overlays and initial-point searches evaluate at.
//
// Cell i of cells of width `step` starting at `lo` has its centre at lo + (i + 0.5)·step; callers
// pass step = extent / n computed once (not (i + 0.5)·extent / n, which rounds differently unless
// n is a power of two). An n × n grid over a box is row-major: row iy·n + ix holds
// (xmin + (ix + 0.5)·(width / n), ymin + (iy + 0.5)·(height / n)).
#pragma once

#include "core/common/types.h"

namespace ss {

/// Centre of cell i: lo + (i + 0.5)·step.
inline double cell_centre(double lo, double step, int i) {
  return lo + (i + 0.5) * step;
}

/// The n × n cell centres over `box` (row-major, see above) into out, resized to n² × 2 only when
/// its size differs (no allocation when called again with the same n). n ≥ 1.
inline void grid_cell_centres(const Box& box, int n, Points& out) {
  const Eigen::Index cells = Eigen::Index(n) * n;
  if (out.rows() != cells || out.cols() != 2) out.resize(cells, 2);
  const double w = box.width() / n, h = box.height() / n;
  for (int iy = 0; iy < n; ++iy)
    for (int ix = 0; ix < n; ++ix) {
      const Eigen::Index k = Eigen::Index(iy) * n + ix;
      out(k, 0) = cell_centre(box.xmin, w, ix);
      out(k, 1) = cell_centre(box.ymin, h, iy);
    }
}

inline Points grid_cell_centres(const Box& box, int n) {
  Points out;
  grid_cell_centres(box, n, out);
  return out;
}

}  // namespace ss
