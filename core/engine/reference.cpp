#include "core/engine/reference.h"

#include <tbb/task_arena.h>

#include <algorithm>
#include <thread>

#include "core/common/error_text.h"
#include "core/metrics/iid_baseline.h"

namespace ss {

namespace {

// ThreadSanitizer builds (SS_SANITIZE=thread, the tsan preset) give every engine arena one
// thread. Debian's libtbb is not instrumented, so TSan cannot see the synchronization inside TBB's
// work stealing and reports the task objects and loop bodies it hands between threads as races
// (tests_engine: 222 such reports, every one with TBB scheduler frames). With one thread per arena
// TBB runs each parallel loop on the calling thread, so what TSan checks is exactly the engine's
// own concurrency: worker, client threads and the reference computation of a target change.
#if defined(__SANITIZE_THREAD__)
constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool kThreadSanitizer = true;
#else
constexpr bool kThreadSanitizer = false;
#endif
#else
constexpr bool kThreadSanitizer = false;
#endif

}  // namespace

int arena_threads(int requested) {
  if (kThreadSanitizer) return 1;
  if (requested > 0) return requested;
  const int cores = int(std::thread::hardware_concurrency());
  return std::max(1, cores - 1);
}

ProblemRequest problem_request(const Scenario& s, const MethodCatalog& catalog) {
  ProblemRequest q;
  q.ebm = s.task == Task::ebm;
  q.data = s.data;
  q.settings = s.ebm;
  q.seed = s.seed;
  q.make = catalog.make_problem;
  return q;
}

std::shared_ptr<const EbmProblem> build_problem(const ProblemRequest& q,
                                                std::shared_ptr<const Target> target) {
  if (!q.make) throw DataError("this program cannot build EBM problems (no ebm methods)");
  try {
    return q.make(std::move(target), q.data, q.settings, q.seed);
  } catch (const std::exception& e) {
    throw DataError("cannot make the EBM's data: " + error_text(e));
  }
}

void compute_baseline(ReferenceBundle& bundle, const MetricSettings& metrics, std::uint64_t seed,
                      const Interrupt* interrupt) {
  bundle.seed = seed;
  bundle.metrics = metrics;
  const int n = metrics.ksd_samples;
  Rng rng(derive_seed(seed, 0));
  bundle.reference->sample(n, rng, bundle.reference_samples);
  const KsdIidBaselines baseline = ksd_imq_iid_baselines(*bundle.reference, n, metrics.iid_draws,
                                                         derive_seed(seed, 1), interrupt);
  bundle.iid_mean = baseline.v.mean;
  bundle.iid_std = baseline.v.stddev;
  bundle.iid_u_mean = baseline.u.mean;
  bundle.iid_u_std = baseline.u.stddev;
  bundle.iid_u_rms = baseline.u.rms;
}

ReferenceBundle compute_bundle(const TargetSpec& spec, std::shared_ptr<const Target> target,
                               int resolution, const MetricSettings& metrics, std::uint64_t seed,
                               const ProblemRequest& problem, const Interrupt* interrupt) {
  ReferenceBundle b;
  b.spec = spec;
  b.target = std::move(target);
  b.reference = GridReference::compute(b.target, resolution, nullptr, interrupt);
  if (problem.ebm) {
    b.seed = seed;
    b.metrics = metrics;
    b.problem = build_problem(problem, b.target);
  } else {
    compute_baseline(b, metrics, seed, interrupt);
  }
  return b;
}

std::future<ReferenceBundle> launch_reference(const TargetSpec& spec,
                                              std::shared_ptr<const Target> target, int resolution,
                                              const MetricSettings& metrics, std::uint64_t seed,
                                              int threads, const ProblemRequest& problem,
                                              const Interrupt* interrupt) {
  return std::async(
      std::launch::async, [spec, target, resolution, metrics, seed, threads, problem, interrupt] {
        tbb::task_arena a(threads);
        ReferenceBundle b;
        a.execute([&] {
          b = compute_bundle(spec, target, resolution, metrics, seed, problem, interrupt);
        });
        return b;
      });
}

}  // namespace ss
