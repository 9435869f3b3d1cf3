// Benchmarks of the target library: batched evaluate() with score and Hessian (what MALA and the
// neural samplers call every step) and GridReference::compute at the default 512² resolution.
//   bench_targets --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "core/common/rng.h"
#include "core/targets/builtin.h"
#include "core/targets/grid_reference.h"

namespace ss {
namespace {

const std::vector<std::string>& kinds() {
  static const std::vector<std::string> k = builtin_target_kinds();
  return k;
}

// Points uniform in the target's view box (fixed seed).
Points points_in_box(const Target& t, int n) {
  Rng rng(1);
  const Box b = t.view_box();
  Points x(n, 2);
  for (int i = 0; i < n; ++i)
    x(i, 0) = rng.uniform(b.xmin, b.xmax), x(i, 1) = rng.uniform(b.ymin, b.ymax);
  return x;
}

void BM_ScoreAndHessian(benchmark::State& state) {
  const std::string& kind = kinds()[state.range(0)];
  const auto t = make_target({kind});
  const int n = static_cast<int>(state.range(1));
  const Points x = points_in_box(*t, n);
  Vec lp(n);
  Points score(n, 2);
  Hessians hess(n, 3);
  for (auto _ : state) {
    t->evaluate(x, &lp, &score, &hess);
    benchmark::DoNotOptimize(hess.data());
  }
  state.SetLabel(kind);
  state.SetItemsProcessed(state.iterations() * n);
}

// The same work on one thread (jet_at in a loop), timed by CPU time: on a loaded machine this is
// the least noisy measure of the per-point cost.
void BM_ScoreAndHessianOneThread(benchmark::State& state) {
  const std::string& kind = kinds()[state.range(0)];
  const auto t = make_target({kind});
  const int n = static_cast<int>(state.range(1));
  const Points x = points_in_box(*t, n);
  for (auto _ : state) {
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += t->jet_at(x(i, 0), x(i, 1)).hxx;
    benchmark::DoNotOptimize(sum);
  }
  state.SetLabel(kind);
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_GridReference(benchmark::State& state) {
  const std::string& kind = kinds()[state.range(0)];
  const auto t = make_target({kind});
  for (auto _ : state) {
    auto ref = GridReference::compute(t, static_cast<int>(state.range(1)));
    benchmark::DoNotOptimize(ref.get());
  }
  state.SetLabel(kind);
}

void all_kinds(benchmark::internal::Benchmark* b, std::vector<int64_t> sizes) {
  for (int64_t k = 0; k < static_cast<int64_t>(kinds().size()); ++k)
    for (int64_t n : sizes) b->Args({k, n});
}

BENCHMARK(BM_ScoreAndHessian)
    ->Apply([](benchmark::internal::Benchmark* b) {
      all_kinds(b, {1000, 100000});
    })
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_ScoreAndHessianOneThread)
    ->Apply([](benchmark::internal::Benchmark* b) { all_kinds(b, {1000}); })
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GridReference)
    ->Apply([](benchmark::internal::Benchmark* b) { all_kinds(b, {512}); })
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace ss

BENCHMARK_MAIN();
