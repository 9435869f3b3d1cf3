// Benchmarks of the MCMC and particle samplers (SVGD kernel pass and iteration, MALA step, flowMC
// training loop). Run: build/<dir>/bench/bench_samplers --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <chrono>

#include "core/common/rng.h"
#include "core/samplers/flowmc.h"
#include "core/samplers/langevin.h"
#include "core/samplers/svgd.h"
#include "core/samplers/svgd_kernel.h"
#include "core/targets/target.h"

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

// One full SVGD iteration (score of n particles on ½N((−2,0),I) + ½N((2,0),I), median
// heuristic, kernel pass, AdaGrad-momentum update) after 20 warm-up iterations.
void BM_SvgdIteration(benchmark::State& state) {
  const int n = int(state.range(0));
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, state.range(1));
  TargetSpec spec{"gmm"};
  spec.components = {{0.5, Vec2(-2, 0), Mat2::Identity()}, {0.5, Vec2(2, 0), Mat2::Identity()}};
  SvgdSampler svgd(make_target(spec));
  svgd.set_params({{"particles", n}});
  svgd.reset(1);
  for (int t = 0; t < 20; ++t) svgd.step();
  for (auto _ : state) svgd.step();
}
BENCHMARK(BM_SvgdIteration)
    ->ArgsProduct({{250, 500, 1000, 2000, 4000}, {1, 2}})
    ->ArgNames({"n", "threads"})
    ->Unit(benchmark::kMillisecond);

// One MALA step of 1000 chains (proposal, joint log density + score, accept/reject) per target.
void BM_MalaStep1000(benchmark::State& state) {
  const auto kinds = builtin_target_kinds();
  const std::string kind = kinds[state.range(0)];
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, state.range(1));
  LangevinSampler mala(make_target(TargetSpec{kind}), LangevinSampler::Variant::mala);
  mala.set_params({{"chains", 1000}});
  mala.reset(1);
  for (int t = 0; t < 20; ++t) mala.step();
  for (auto _ : state) mala.step();
  state.SetLabel(kind);
}
BENCHMARK(BM_MalaStep1000)
    ->ArgsProduct({benchmark::CreateDenseRange(0, int(builtin_target_kinds().size()) - 1, 1),
                   {1, 2}})
    ->ArgNames({"target", "threads"})
    ->Unit(benchmark::kMicrosecond);

// One flowMC training loop at the defaults (40 MALA steps + 20 training epochs + 40 IMH steps of
// 100 chains) on gmm_2to1, after one warm-up loop. Counter epoch_ms: the mean time of one training
// epoch (the most expensive single step()).
void BM_FlowMcTrainingLoop(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, state.range(0));
  FlowMcSampler s(make_target(TargetSpec{"gmm_2to1"}));
  s.set_params({{"training_loops", 10000}});
  s.reset(1);
  for (int t = 0; t < 100; ++t) s.step();
  double epoch_seconds = 0;
  std::int64_t epochs = 0;
  for (auto _ : state) {
    for (int t = 0; t < 100; ++t) {
      if (s.block() == FlowMcSampler::Block::train) {
        const auto t0 = std::chrono::steady_clock::now();
        s.step();
        epoch_seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        ++epochs;
      } else {
        s.step();
      }
    }
  }
  state.counters["epoch_ms"] = 1e3 * epoch_seconds / double(std::max<std::int64_t>(epochs, 1));
}
BENCHMARK(BM_FlowMcTrainingLoop)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ss

BENCHMARK_MAIN();
