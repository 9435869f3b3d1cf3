// Mode coverage: does a sampler put the right share of its points in each mode? Points are
// assigned to the grid reference's mode regions (GridReference::region_of: for Gaussian mixtures
// the most responsible component, otherwise the steepest-ascent basin of the grid cell) and the
// fractions are compared with the regions' true masses. This sees exactly what score-based
// discrepancies (KSD) barely see: wrong mixture weights and missing modes.
//
// Definitions, for n samples and regions r = 1..R with true masses m_r (Σ m_r = 1):
//   f_r              = (number of samples in region r) / n
//   f_out            = (number of non-finite samples) / n   (they belong to no region)
//   total_variation  = ½ ( Σ_r |f_r − m_r| + f_out )          (in [0, 1])
//   modes_missed     = #{ r : f_r < 0.1 · m_r }                (modes holding < 10 % of their mass)
// Exact i.i.d. samples give total_variation ≈ O(√(R/n)) (≈ 0.01–0.02 at n = 1000 for a few modes),
// not 0: compare with the i.i.d. baseline (iid_baseline.h).
#pragma once

#include <vector>

#include "core/common/types.h"
#include "core/targets/grid_reference.h"

namespace ss {

/// Per-region fractions against true masses, and the two summaries.
struct ModeCoverage {
  std::vector<double> sample_fraction;  ///< f_r, indexed like GridReference::regions()
  std::vector<double> true_mass;        ///< m_r
  double outside_fraction = 0;          ///< f_out: non-finite samples
  double total_variation = 0;           ///< the `mode_tv` metric
  int modes_missed = 0;                 ///< regions with f_r < 0.1 m_r
  int n = 0;                            ///< number of samples
};

/// Mode coverage of `samples` (N×2) against `reference`'s regions. Throws std::invalid_argument
/// (field "samples") for an empty input. Parallel over points with TBB; deterministic.
ModeCoverage mode_coverage(const GridReference& reference, const Points& samples);

}  // namespace ss
