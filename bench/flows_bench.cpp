// Benchmarks of the RealNVP flow (core/flows): maximum-likelihood loss + gradient, density and
// sampling on batches of 2-D points.
//   ./bench_flows --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <tbb/task_arena.h>

#include "core/flows/realnvp.h"

namespace {

using ss::flows::RealNvp;
using ss::flows::RealNvpOptions;
using ss::nn::RowMatrix;

// range(0): rows; range(1): hidden width; range(2): number of hidden layers; range(3): TBB
// threads (the benchmark loop runs inside a task_arena of that size); 8 couplings.
RealNvp make_flow(const benchmark::State& state) {
  RealNvpOptions o;
  o.num_couplings = 8;
  o.hidden.assign(static_cast<size_t>(state.range(2)), static_cast<int>(state.range(1)));
  ss::Rng rng(1);
  RealNvp flow(o, rng);
  // Non-trivial couplings (a trained flow's cost is the same, but avoid all-zero outputs).
  for (int k = 0; k < flow.num_couplings(); ++k)
    flow.net(k).initialize(rng, {ss::nn::Init::kHeNormal, 0.1, 0.0});
  flow.set_whitening(ss::Vec2(0.5, -0.5), ss::Vec2(1.5, 0.8));
  return flow;
}

void BM_RealNvpNllAndGradient(benchmark::State& state) {
  RealNvp flow = make_flow(state);
  const Eigen::Index rows = state.range(0);
  ss::Rng rng(2);
  RowMatrix x(rows, 2);
  rng.fill_normal(x);
  tbb::task_arena arena(static_cast<int>(state.range(3)));
  arena.execute([&] {
    flow.nll_and_gradient(x);  // warm-up: sizes the workspaces outside the timed loop
    for (auto _ : state) benchmark::DoNotOptimize(flow.nll_and_gradient(x));
  });
  state.SetItemsProcessed(state.iterations() * rows);
}
BENCHMARK(BM_RealNvpNllAndGradient)
    ->Args({1024, 64, 1, 1})
    ->Args({1024, 64, 1, 2})
    ->Args({1024, 64, 2, 1})
    ->Args({1024, 64, 2, 2})
    ->Args({1024, 32, 2, 1})
    ->Args({256, 32, 2, 1})
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMicrosecond);

// Density and sampling, one thread.
void BM_RealNvpLogProb(benchmark::State& state) {
  RealNvp flow = make_flow(state);
  const Eigen::Index rows = state.range(0);
  ss::Rng rng(2);
  RowMatrix x(rows, 2);
  rng.fill_normal(x);
  ss::Vec lq(rows);
  tbb::task_arena arena(1);
  arena.execute([&] {
    flow.log_prob(x, lq);  // warm-up
    for (auto _ : state) {
      flow.log_prob(x, lq);
      benchmark::DoNotOptimize(lq.data());
    }
  });
  state.SetItemsProcessed(state.iterations() * rows);
}
BENCHMARK(BM_RealNvpLogProb)
    ->Args({1024, 64, 2})
    ->Args({1024, 32, 2})
    ->Unit(benchmark::kMicrosecond);

void BM_RealNvpSample(benchmark::State& state) {
  RealNvp flow = make_flow(state);
  const Eigen::Index rows = state.range(0);
  ss::Rng rng(2);
  RowMatrix x(rows, 2);
  ss::Vec ld(rows);
  tbb::task_arena arena(1);
  arena.execute([&] {
    flow.sample(rows, rng, x, ld);  // warm-up
    for (auto _ : state) {
      flow.sample(rows, rng, x, ld);
      benchmark::DoNotOptimize(x.data());
    }
  });
  state.SetItemsProcessed(state.iterations() * rows);
}
BENCHMARK(BM_RealNvpSample)
    ->Args({1024, 64, 2})
    ->Args({1024, 32, 2})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
