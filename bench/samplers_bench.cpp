// Benchmarks of the MCMC and particle samplers (SVGD kernel pass and iteration, MALA step, flowMC
// training loop). Run: build/<dir>/bench/bench_samplers --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include "core/common/rng.h"
#include "core/samplers/svgd_kernel.h"

namespace ss {
namespace {

Points normal_points(int n, std::uint64_t seed, double scale) {
  Rng rng(seed);
  Points x(n, 2);
  rng.fill_normal(x);
  return scale * x;
}

// The median-heuristic bandwidth alone (selection over n(n−1)/2 pair distances).
void BM_SvgdMedianBandwidth(benchmark::State& state) {
  const int n = int(state.range(0));
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, state.range(1));
  const Points x = normal_points(n, 1, 2.0);
  SvgdKernelWorkspace ws;
  for (auto _ : state) benchmark::DoNotOptimize(svgd_median_bandwidth2(x, ws));
}
BENCHMARK(BM_SvgdMedianBandwidth)
    ->ArgsProduct({{250, 500, 1000, 2000, 4000}, {1, 2}})
    ->ArgNames({"n", "threads"})
    ->Unit(benchmark::kMillisecond);

// The full SVGD direction (median heuristic + fused kernel pass), no target evaluation.
void BM_SvgdDirection(benchmark::State& state) {
  const int n = int(state.range(0));
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, state.range(1));
  const Points x = normal_points(n, 1, 2.0), g = normal_points(n, 2, 1.0);
  Points phi;
  SvgdKernelWorkspace ws;
  for (auto _ : state) benchmark::DoNotOptimize(svgd_direction(x, g, 0.0, ws, phi));
}
BENCHMARK(BM_SvgdDirection)
    ->ArgsProduct({{250, 500, 1000, 2000, 4000}, {1, 2}})
    ->ArgNames({"n", "threads"})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ss

BENCHMARK_MAIN();
