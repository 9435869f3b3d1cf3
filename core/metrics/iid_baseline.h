// The i.i.d. baseline: every sample-based metric of exact samples of the target is not 0 at a
// finite sample size n (KSD's V-statistic is biased by ≈ E[u(x,x)]/n, the energy distance by
// ≈ E‖X−X'‖(1/n + 1/m), the mode TV by ≈ √(R/n)). The baseline is the metric of exact draws from
// the grid reference at the same n, averaged over a few independent draws: the line a perfect
// sampler sits on. Also: the RBF-KSD bandwidth fixed once per target from reference samples.
//
// Determinism: draws use Rng(derive_seed(seed, repeat)), so a (reference, n, repeats, seed)
// always gives the same numbers, for any number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/common/interrupt.h"
#include "core/common/types.h"
#include "core/targets/grid_reference.h"

namespace ss {

/// Mean and spread of a metric over independent exact draws.
struct IidBaseline {
  double mean = 0;    ///< mean over repeats
  double stddev = 0;  ///< sample standard deviation over repeats (0 if repeats == 1)
  /// Root mean square over repeats, √(mean of value²): the typical size of a metric centred at 0,
  /// such as the KSD U-statistic of exact samples (whose line is this, not the mean ≈ 0).
  double rms = 0;
  std::vector<double> values;  ///< one value per repeat
  int n = 0;                   ///< sample size of each draw
};

/// Baseline of any metric(x, scores) of n exact samples x with their scores ∇log p(x).
/// Throws std::invalid_argument for n < 1 ("n") or repeats < 1 ("repeats"). With `interrupt`
/// (core/common/interrupt.h) each draw first checks it (Interrupted: a stop was requested; at
/// the largest settings, 100 draws of 20000 points, one draw's KSD takes seconds).
IidBaseline iid_baseline(const GridReference& reference, int n, int repeats, std::uint64_t seed,
                         const std::function<double(const Points& x, const Points& scores)>& metric,
                         const Interrupt* interrupt = nullptr);

/// Baseline of ksd2_imq (IMQ, c = 1, V-statistic) at sample size n: the `ksd2_imq_iid` metric.
IidBaseline ksd2_imq_iid_baseline(const GridReference& reference, int n, int repeats = 5,
                                  std::uint64_t seed = 0);

/// The V- and U-statistic IMQ KSD² baselines from the same exact draws (one pair pass per draw):
/// `v` equals ksd2_imq_iid_baseline(reference, n, repeats, seed); `u` holds KSD²_U of the same
/// draws. E[KSD²_U] = 0 for exact samples, so u.mean scatters around 0 and the `ksd2_imq_u_iid`
/// line is u.rms (the typical |KSD²_U| of exact samples at this n). n must be ≥ 2.
struct KsdIidBaselines {
  IidBaseline v, u;
};
KsdIidBaselines ksd_imq_iid_baselines(const GridReference& reference, int n, int repeats = 5,
                                      std::uint64_t seed = 0, const Interrupt* interrupt = nullptr);

/// Baseline of the V-statistic energy distance between n exact samples and an independent exact
/// reference set of size m (as the engine compares a sampler's n points with m reference points).
IidBaseline energy_distance_iid_baseline(const GridReference& reference, int n, int m,
                                         int repeats = 5, std::uint64_t seed = 0);

/// Baseline of the mode-coverage total variation at sample size n.
IidBaseline mode_tv_iid_baseline(const GridReference& reference, int n, int repeats = 5,
                                 std::uint64_t seed = 0);

/// RBF-KSD bandwidth of a target: median pair distance (rbf_bandwidth_from_samples) of 1000 exact
/// samples drawn with Rng(seed). Computed once per target; pass it to ksd_rbf.
double rbf_bandwidth_for_reference(const GridReference& reference, std::uint64_t seed = 0);

}  // namespace ss
