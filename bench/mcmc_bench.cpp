// Benchmarks of the classic MCMC samplers: one NUTS iteration and one HMC iteration (10 leapfrog
// steps) of 1000 chains on the donut. Goals (issue 18): NUTS ≤ 5 ms on 2 threads, HMC ≤ 1 ms.
// Run: build/release/bench/bench_mcmc --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include "core/samplers/hamiltonian.h"
#include "core/samplers/metropolis.h"
#include "core/targets/target.h"

namespace ss {
namespace {

// NUTS at its defaults (diagonal metric, dual averaging) after its 300 warm-up iterations, so the
// measured iterations use the adapted step size and tree depths of production.
void BM_NutsIterationDonut(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, state.range(0));
  HamiltonianSampler nuts(make_target(TargetSpec{"donut"}), HamiltonianSampler::Variant::nuts);
  nuts.set_params({{"chains", 1000}});
  nuts.reset(1);
  for (int t = 0; t < 300; ++t) nuts.step();
  double leapfrogs = 0;
  for (auto _ : state) {
    nuts.step();
    for (int n : nuts.leapfrog_counts()) leapfrogs += n;
  }
  state.counters["leapfrog_per_chain"] = leapfrogs / (1000.0 * double(state.iterations()));
  state.counters["step_size"] = nuts.step_size();
}
BENCHMARK(BM_NutsIterationDonut)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond);

// HMC with exactly 10 leapfrog steps (ε = 0.1, λ = 1, no adaptation).
void BM_HmcIterationDonut(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, state.range(0));
  HamiltonianSampler hmc(make_target(TargetSpec{"donut"}), HamiltonianSampler::Variant::hmc);
  hmc.set_params({{"chains", 1000}, {"adapt", 0}, {"step_size", 0.1}, {"path_length", 1.0}});
  hmc.reset(1);
  for (int t = 0; t < 20; ++t) hmc.step();
  if (hmc.hmc_steps() != 10) state.SkipWithError("expected 10 leapfrog steps");
  for (auto _ : state) hmc.step();
}
BENCHMARK(BM_HmcIterationDonut)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMicrosecond);

void BM_RwmhIterationDonut(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, state.range(0));
  MetropolisSampler rw(make_target(TargetSpec{"donut"}), MetropolisSampler::Variant::rwmh);
  rw.set_params({{"chains", 1000}});
  rw.reset(1);
  for (auto _ : state) rw.step();
}
BENCHMARK(BM_RwmhIterationDonut)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ss

BENCHMARK_MAIN();
