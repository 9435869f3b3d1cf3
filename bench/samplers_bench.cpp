// Benchmarks of the MCMC and particle samplers (SVGD kernel pass and iteration, MALA step, flowMC
// training loop). Run: build/<dir>/bench/bench_samplers --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

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
  const Points x = normal_points(n, 1, 2.0);
  SvgdKernelWorkspace ws;
  for (auto _ : state) benchmark::DoNotOptimize(svgd_median_bandwidth2(x, ws));
}
BENCHMARK(BM_SvgdMedianBandwidth)
    ->Arg(250)
    ->Arg(500)
    ->Arg(1000)
    ->Arg(2000)
    ->Arg(4000)
    ->Unit(benchmark::kMillisecond);

// The full SVGD direction (median heuristic + fused kernel pass), no target evaluation.
void BM_SvgdDirection(benchmark::State& state) {
  const int n = int(state.range(0));
  const Points x = normal_points(n, 1, 2.0), g = normal_points(n, 2, 1.0);
  Points phi;
  SvgdKernelWorkspace ws;
  for (auto _ : state) benchmark::DoNotOptimize(svgd_direction(x, g, 0.0, ws, phi));
}
BENCHMARK(BM_SvgdDirection)
    ->Arg(250)
    ->Arg(500)
    ->Arg(1000)
    ->Arg(2000)
    ->Arg(4000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ss

BENCHMARK_MAIN();
