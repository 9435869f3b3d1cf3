// Basic shared types: blocks of 2-D points, Hessian blocks and boxes.
//
// Points are stored row-major N×2 (one point per row, x then y), so a block of points is one
// contiguous array of 2N doubles. Hessians are N×3 row-major: h11, h12, h22 per point.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <limits>

namespace ss {

/// Quiet NaN and +∞, named once for the whole tree.
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

using Points = Eigen::Matrix<double, Eigen::Dynamic, 2, Eigen::RowMajor>;
using Hessians = Eigen::Matrix<double, Eigen::Dynamic, 3, Eigen::RowMajor>;
using Vec = Eigen::VectorXd;
using Vec2 = Eigen::Vector2d;
using Mat2 = Eigen::Matrix2d;

/// An axis-aligned rectangle [xmin, xmax] × [ymin, ymax].
struct Box {
  double xmin = -1, xmax = 1, ymin = -1, ymax = 1;
  double width() const { return xmax - xmin; }
  double height() const { return ymax - ymin; }
  bool contains(double x, double y) const {
    return x >= xmin && x <= xmax && y >= ymin && y <= ymax;
  }
  /// The same box scaled by `factor` about its centre.
  Box scaled(double factor) const {
    const double cx = 0.5 * (xmin + xmax), cy = 0.5 * (ymin + ymax);
    const double hx = 0.5 * factor * width(), hy = 0.5 * factor * height();
    return {cx - hx, cx + hx, cy - hy, cy + hy};
  }
  bool operator==(const Box&) const = default;
};

/// Resizes a dynamic Eigen array (contents not kept, like resize()) so that a failed allocation
/// leaves it as it was. Eigen's resize() frees the old buffer before allocating the new one and,
/// when that allocation throws std::bad_alloc, keeps the freed pointer, which the destructor frees
/// again ("double free or corruption": flowMC with a large flow under a memory limit). This
/// allocates first, then swaps. Use it where a knob sets the size of an array that already exists.
template <class M>
void safe_resize(M& m, Eigen::Index rows, Eigen::Index cols) {
  if (m.rows() == rows && m.cols() == cols) return;
  if (m.size() == rows * cols) return m.resize(rows, cols);  // same buffer, no allocation
  M fresh(rows, cols);
  m.swap(fresh);
}
/// The same for a vector.
template <class M>
void safe_resize(M& m, Eigen::Index size) {
  if (m.size() == size) return;
  M fresh(size);
  m.swap(fresh);
}

}  // namespace ss
