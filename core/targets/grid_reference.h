// GridReference: 2-D ground truth for a target, computed once per target on a fine grid over its
// view box (default 512² cells, TBB-parallel, well under a second).
//
// Holds the normalized cell masses (heat map, marginals), log Z, exact i.i.d. samples (inverse CDF
// over cell masses, then uniform jitter inside the cell), and mode regions with their true masses:
// for Gaussian mixtures the most responsible component; for other targets steepest-ascent basins
// on the grid, with basins under 0.5 % of the mass merged into the neighbour they drain into (the
// one across their highest saddle); basins less than 0.5 nats deep (peak minus highest saddle:
// grid ripples along a ridge such as the donut's circle) are merged the same way first.
//
// Cell masses use the midpoint rule (density at the cell centre × area), which is very accurate
// once a cell is narrower than the density's features. Where it is not — the second difference
// of log p̃ between neighbouring cells exceeds 1 along an axis, i.e. the local Gaussian width is
// below one cell, as in the funnel's neck or a sharp user formula — the cell is integrated on a
// sub-grid of m = ⌈2√|Δ²|⌉ ≤ 256 points per axis (spacing ≤ half the local width), and samples
// falling in it pick a sub-cell by weight before the jitter. Cells whose estimated in-cell maximum
// (parabola through the neighbours) is more than 40 nats below the top are skipped, and the total
// sub-grid work is capped at 4·10⁶ evaluations (splits shrink uniformly beyond that).
// log_density_grid() always holds the centre values.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/common/interrupt.h"
#include "core/common/rng.h"
#include "core/common/types.h"
#include "core/targets/target.h"

namespace ss {

/// A mode region: an id (index into GridReference::regions()), its true mass and a point inside
/// it (the mode itself) for labels.
struct ModeRegion {
  int id = 0;
  double true_mass = 0;
  Vec2 center = Vec2::Zero();
  std::string label;  ///< e.g. "mode 1 (w=0.33)"
};

class GridReference {
 public:
  /// Computes the reference of `target` on `box` (default: its view box) with `resolution` cells
  /// per side. Throws std::runtime_error when the grid normalizer is not finite or is zero.
  /// With `interrupt` (core/common/interrupt.h), the density and sub-grid passes stop early when
  /// a stop is requested (each row or refined cell checks) and compute throws Interrupted.
  static std::shared_ptr<const GridReference> compute(std::shared_ptr<const Target> target,
                                                      int resolution = 512,
                                                      const Box* box = nullptr,
                                                      const Interrupt* interrupt = nullptr);

  const Box& box() const { return box_; }
  int nx() const { return nx_; }
  int ny() const { return ny_; }
  double cell_width() const { return box_.width() / nx_; }
  double cell_height() const { return box_.height() / ny_; }
  /// Normalized probability mass of each cell, row-major: index iy * nx + ix; sums to 1.
  const std::vector<double>& cell_masses() const { return mass_; }
  /// Unnormalized log density at the cell centres (same layout).
  const std::vector<double>& log_density_grid() const { return logp_; }
  /// log of the normalizing constant Z = ∫ exp(log p̃) over the box (midpoint rule).
  double log_z() const { return log_z_; }
  /// Marginal densities on the grid's x bins and y bins (each integrates to 1).
  const std::vector<double>& marginal_x() const { return marginal_x_; }
  const std::vector<double>& marginal_y() const { return marginal_y_; }
  /// Mean and covariance of the gridded distribution.
  Vec2 mean() const { return mean_; }
  Mat2 covariance() const { return cov_; }

  /// n exact i.i.d. samples into out (resized to n×2), drawn serially from rng.
  void sample(int n, Rng& rng, Points& out) const;

  /// Mode regions with their true masses (sum to 1).
  const std::vector<ModeRegion>& regions() const { return regions_; }
  /// Region id of each cell (same layout as cell_masses()).
  const std::vector<int>& region_grid() const { return region_grid_; }
  /// Region of an arbitrary point: exact most-responsible component for mixtures; otherwise the
  /// region of the cell holding the point (points outside the box use the nearest cell; a NaN
  /// coordinate counts as the box's low edge).
  int region_of(double x, double y) const;

  const Target& target() const { return *target_; }

 private:
  std::shared_ptr<const Target> target_;
  Box box_;
  int nx_ = 0, ny_ = 0;
  std::vector<double> mass_, logp_, marginal_x_, marginal_y_, cdf_;
  double log_z_ = 0;
  Vec2 mean_ = Vec2::Zero();
  Mat2 cov_ = Mat2::Identity();
  std::vector<ModeRegion> regions_;
  std::vector<int> region_grid_;
  std::vector<GaussianComponent> components_;  // mixtures: for exact region_of
  // Per component: mean x, mean y, inverse covariance (11, 12, 22), log w − ½ log det Σ.
  std::vector<std::array<double, 6>> component_scores_;
  // Refined cells (increasing index), their sub-cells per axis, and the normalized cumulative
  // sub-cell weights of cell k at refined_cdf_[refined_offset_[k] …].
  std::vector<int> refined_cells_;
  std::vector<std::array<int, 2>> refined_split_;
  std::vector<size_t> refined_offset_;
  std::vector<float> refined_cdf_;
};

}  // namespace ss
