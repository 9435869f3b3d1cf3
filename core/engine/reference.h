// The reference computation of a Session (core/engine/session.h): a target's grid reference with
// what the metrics need from it — the energy-distance reference draws and the i.i.d. KSD baseline
// for a sample scenario, or the EbmProblem for an ebm scenario — computed as one ReferenceBundle,
// on the worker at start and LoadScenario, or on a thread of its own for a target change
// (launch_reference: the runs keep going meanwhile). Also the size of the engine's TBB arenas.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <stdexcept>

#include "core/common/interrupt.h"
#include "core/io/scenario.h"
#include "core/methods/catalog.h"
#include "core/targets/grid_reference.h"

namespace ss {

/// Threads of an engine arena for SessionOptions::threads = `requested` (0: max(1, cores − 1));
/// always 1 in a ThreadSanitizer build (reference.cpp says why).
int arena_threads(int requested);

/// What an ebm scenario's problem is made from (make_ebm_problem's arguments besides the target).
struct ProblemRequest {
  bool ebm = false;  // false: a sample scenario, no problem
  DataSettings data;
  EbmSettings settings;
  std::uint64_t seed = 0;  // the scenario seed
  std::function<std::shared_ptr<const EbmProblem>(
      std::shared_ptr<const Target>, const DataSettings&, const EbmSettings&, std::uint64_t)>
      make;
};

/// The problem could not be made from the scenario's data: reported with the field "/data".
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The request of scenario `s` with the catalog's problem maker.
ProblemRequest problem_request(const Scenario& s, const MethodCatalog& catalog);

/// Builds the problem of `q` for `target` (call inside the engine's arena). Throws DataError.
std::shared_ptr<const EbmProblem> build_problem(const ProblemRequest& q,
                                                std::shared_ptr<const Target> target);

/// A target with everything derived from it that the metrics need.
struct ReferenceBundle {
  TargetSpec spec;
  std::shared_ptr<const Target> target;
  std::shared_ptr<const GridReference> reference;
  /// An ebm scenario's problem (data drawn from `target`, or read from data.csv); null otherwise.
  std::shared_ptr<const EbmProblem> problem;
  Points reference_samples;  // energy-distance reference set, ksd_samples rows
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  double iid_mean = kNaN, iid_std = kNaN;
  double iid_u_mean = kNaN, iid_u_std = kNaN, iid_u_rms = kNaN;  // KSD²_U of the same draws
  std::uint64_t seed = 0;  // what the draws above were made with
  MetricSettings metrics;
};

/// Reference draws and the i.i.d. KSD baseline for `bundle`'s reference (seeded: reproducible).
/// The energy-distance reference set is drawn with Rng(derive_seed(seed, 0)); the baseline is
/// ksd2_imq_iid_baseline(reference, ksd_samples, iid_draws, derive_seed(seed, 1)) (metrics library,
/// so the engine's `ksd2_imq_iid` line is exactly that function's value); the U-statistic line
/// comes from the same draws (ksd_imq_iid_baselines).
/// Every computation here takes an optional `interrupt` (core/common/interrupt.h): a stop
/// request makes it throw Interrupted (the grid reference between rows, the baseline between
/// draws), and the bundle being computed is dropped.
void compute_baseline(ReferenceBundle& bundle, const MetricSettings& metrics, std::uint64_t seed,
                      const Interrupt* interrupt = nullptr);

/// The reference of `target`, and then either the i.i.d. baseline (sample scenarios) or the
/// EBM problem (ebm scenarios: the sampling metrics are not computed, so neither is their
/// baseline; a failure to make the problem throws DataError). Call inside an arena.
ReferenceBundle compute_bundle(const TargetSpec& spec, std::shared_ptr<const Target> target,
                               int resolution, const MetricSettings& metrics, std::uint64_t seed,
                               const ProblemRequest& problem, const Interrupt* interrupt = nullptr);

/// compute_bundle on a new thread in an arena of `threads` threads (a target change: the worker
/// polls the future between steps).
std::future<ReferenceBundle> launch_reference(const TargetSpec& spec,
                                              std::shared_ptr<const Target> target, int resolution,
                                              const MetricSettings& metrics, std::uint64_t seed,
                                              int threads, const ProblemRequest& problem,
                                              const Interrupt* interrupt = nullptr);

}  // namespace ss
