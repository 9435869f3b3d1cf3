// The SVGD direction with an RBF kernel: the one n² kernel pass shared by SVGD (svgd.h) and
// amortized SVGD. Formulas follow the official SVGD code (reference note svgd.md §1.1–1.2):
//
//   D_ij = ‖x_i − x_j‖²,   K_ij = exp(−D_ij / (2h²)),
//   φ_i  = (1/n) Σ_j [ K_ij g_j + K_ij (x_i − x_j) / h² ]      (the sum includes j = i)
//
// where g_j = ∇log p(x_j) are the scores. Median heuristic (when no bandwidth is given):
//   h² = 0.5 · median(D) / ln(n + 1),
// the median taken over the FULL n×n multiset of D (the n zeros of the diagonal and every pair
// twice), with numpy's convention for an even count (mean of the two middle values). It is found
// by selection over the n(n−1)/2 distinct pairs, never by a full sort: the zeros and the doubled
// pairs are handled arithmetically (multiset position p < n is a zero; p ≥ n is the pair order
// statistic ⌊(p − n)/2⌋).
//
// Zero bandwidth guard: when the median is 0 (more than half of the pairs coincide) the mean of the
// pair distances is used instead; h² is finally floored at 1e-12·(1 + max_i ‖x_i‖²), so coinciding
// particles (or n = 1) give K = 1 between them, zero repulsion and no NaN.
//
// Parallelism and determinism: one fused TBB pass over rows i (kernel, attraction and repulsion
// together, exp vectorized over blocks of j); every row is summed by one task in a fixed order, so
// the result is bit-identical for any number of threads. The median pass uses a deterministic
// pair sample to bracket the wanted ranks, one parallel counting pass, and a selection among the
// bracketed candidates (exact; falls back to selecting among all pairs when the bracket misses).
// All buffers live in SvgdKernelWorkspace: at a fixed n nothing is allocated after the first call.
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "core/common/types.h"

namespace ss {

/// Reusable buffers for svgd_direction() and svgd_median_bandwidth2(); one per caller.
struct SvgdKernelWorkspace {
  Eigen::ArrayXd xs, ys, gxs, gys;  ///< structure-of-arrays copies of x and g
  std::vector<double> pair_sample;  ///< bracket sample of pair distances
  std::vector<std::vector<double>>
      block_candidates;  ///< per row block: distances inside the bracket
  std::vector<std::int64_t> block_below, block_count, row_starts;
  std::vector<double> candidates;     ///< gathered candidates (selection buffer)
  std::vector<double> tile_partials;  ///< symmetric pass: per-tile row partial sums
  std::int64_t bracket_misses = 0;    ///< times the sampled bracket missed (fallback)
};

/// Median of the full n×n multiset of squared distances {‖x_i − x_j‖² : all i, j} (numpy
/// convention), computed by selection. 0 for n ≤ 1.
double median_squared_distance(const Points& x, SvgdKernelWorkspace& ws);

/// The official median-heuristic bandwidth h² = 0.5·median/ln(n+1) with the zero-bandwidth guard
/// described above. Throws std::invalid_argument for an empty x.
double svgd_median_bandwidth2(const Points& x, SvgdKernelWorkspace& ws);

/// The SVGD direction φ (resized to n×2) for particles x (n×2) with scores g (n×2).
/// `fixed_h2` > 0 uses that bandwidth h²; `fixed_h2` ≤ 0 uses the median heuristic.
/// Returns the h² used. Throws std::invalid_argument when x is empty or g has another shape.
/// Non-finite inputs propagate into φ (the caller detects divergence).
double svgd_direction(const Points& x, const Points& g, double fixed_h2, SvgdKernelWorkspace& ws,
                      Points& phi);

}  // namespace ss
