// Kernelized Stein discrepancy (KSD): how far a set of 2-D points is from a target, using only the
// target's score s(x) = ∇ log p(x) at the points (no normalizing constant, no reference samples).
//
// Stein kernel of a base kernel k (svgd.md §3.1):
//   u_p(x, y) = s(x)ᵀ s(y) k(x, y) + s(x)ᵀ ∇_y k(x, y) + s(y)ᵀ ∇_x k(x, y) + tr ∇_x ∇_yᵀ k(x, y).
// For points x_1..x_n with u_ij = u_p(x_i, x_j):
//   V-statistic  KSD²_V = (1/n²) Σ_i Σ_j u_ij          (diagonal included; always ≥ 0)
//   U-statistic  KSD²_U = (1/(n(n−1))) Σ_{i≠j} u_ij    (unbiased; can be < 0)
// For exact samples E[u(x, x')] = 0 (Stein's identity), so E[V] = E[u(x, x)]/n = (E‖s‖² + 2)/n for
// the default IMQ kernel: V of exact samples shrinks like 1/n. Compare values only at equal n and
// with the same kernel (the i.i.d. baseline in iid_baseline.h gives the floor at that n).
//
// IMQ kernel (the default metric, ARCHITECTURE.md §4): k(x, y) = (c² + ‖x−y‖²/ℓ²)^(−1/2), c = 1,
// ℓ = 1 by default. With r = x − y, ρ = ‖r‖², q = c² + ρ/ℓ², a = q^(−1/2), b = q^(−3/2) (d = 2):
//   u(x, y) = a · s_xᵀ s_y + (b/ℓ²) · [ (s_x − s_y)ᵀ r + 3c²/q − 1 ]
//   u(x, x) = ‖s_x‖²/c + 2/(c³ ℓ²)                    (= ‖s‖² + 2 for c = ℓ = 1)
// (this is svgd.md §3.3's closed form with β = −½, simplified; one 1/sqrt per pair, no exp).
//
// RBF kernel: k(x, y) = exp(−ρ/(2σ²)) with σ fixed once per target from reference samples
// (rbf_bandwidth_for_reference in iid_baseline.h; never SVGD's shrinking bandwidth):
//   u(x, y) = k · [ s_xᵀ s_y + (s_x − s_y)ᵀ r/σ² + 2/σ² − ρ/σ⁴ ],   u(x, x) = ‖s_x‖² + 2/σ².
//
// Cost and determinism: O(n²) time, O(n) memory (points and scores are copied once into
// structure-of-arrays buffers; no n×n matrix). Each unordered pair i < j is computed once, in tiles
// of a fixed block partition that depends only on n; tiles run in parallel with TBB (in the
// caller's task arena), each writes its own partial sum (double), and the partials are added
// serially in a fixed order. So the result is bit-for-bit identical for any number of threads.
// With AVX2 + FMA (-march=x86-64-v3) 4 pairs are computed per step (≈ 1 ns per pair for IMQ,
// ≈ 2 ns for RBF with a vectorized exp); otherwise a portable scalar loop is used. The two builds
// may differ in the last bits, never in determinism. Each call allocates 4 arrays of n doubles.
//
// Errors: x and scores must have the same number of rows (std::invalid_argument naming "scores");
// an empty input throws (naming "samples"). If any coordinate or score is NaN/±inf the statistics
// are NaN (a diverged sampler is reported, not thrown at). The U-statistic is NaN for n < 2.
#pragma once

#include "core/common/types.h"

namespace ss {

/// Parameters of the IMQ base kernel k = (c² + ‖x−y‖²/ℓ²)^(−1/2); β is fixed at −½.
struct ImqKernel {
  double c = 1;             ///< > 0
  double length_scale = 1;  ///< ℓ > 0
};

/// Both estimators from one pass over the pairs.
struct KsdStatistics {
  double v = 0;  ///< V-statistic KSD²_V (≥ 0 up to rounding)
  double u = 0;  ///< U-statistic KSD²_U (NaN when n < 2)
  int n = 0;     ///< number of points
};

/// The default KSD metric: IMQ (c = 1, ℓ = 1) V-statistic KSD²_V of points x with scores ∇log p(x).
double ksd2_imq(const Points& x, const Points& scores);

/// IMQ KSD², V- and U-statistic, for any c, ℓ (throws std::invalid_argument for c ≤ 0 or ℓ ≤ 0).
KsdStatistics ksd_imq(const Points& x, const Points& scores, const ImqKernel& kernel = {});

/// RBF KSD², V- and U-statistic, with bandwidth σ > 0 (throws std::invalid_argument otherwise).
KsdStatistics ksd_rbf(const Points& x, const Points& scores, double bandwidth);

/// RBF bandwidth σ = median Euclidean distance over pairs i < j of the first min(n, max_points)
/// rows of `reference` (kgof's convention; the rows should be i.i.d. reference samples). Falls back
/// to the mean distance if the median is 0; throws std::invalid_argument if fewer than 2 rows or
/// all rows coincide (field "reference").
double rbf_bandwidth_from_samples(const Points& reference, int max_points = 1000);

/// Stein kernel u_p(x, y) of one pair for the IMQ kernel (reference implementation for tests).
double stein_kernel_imq(const Vec2& x, const Vec2& y, const Vec2& sx, const Vec2& sy,
                        const ImqKernel& kernel = {});
/// Stein kernel u_p(x, y) of one pair for the RBF kernel with bandwidth σ.
double stein_kernel_rbf(const Vec2& x, const Vec2& y, const Vec2& sx, const Vec2& sy,
                        double bandwidth);

}  // namespace ss
