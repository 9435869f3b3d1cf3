// Benchmarks of core/metrics: ksd2_imq for N ∈ {500, …, 10000} × threads ∈ {1, 2}, the RBF KSD,
// energy distance and the chain diagnostics (ESS / R-hat).
// Run: bench_metrics --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// "Time" is wall time; "CPU" is the CPU time of the whole process (all threads), so on a shared
// machine CPU ≤ threads × Time and CPU (1 thread) is the kernel's compute cost.
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include "core/common/rng.h"
#include "core/metrics/chain_diagnostics.h"
#include "core/metrics/energy_distance.h"
#include "core/metrics/ksd.h"

namespace {

ss::Points normal_points(int n, std::uint64_t seed, double shift = 0) {
  ss::Rng rng(seed);
  ss::Points x(n, 2);
  for (int i = 0; i < n; ++i) x(i, 0) = shift + rng.normal(), x(i, 1) = rng.normal();
  return x;
}

// args: N, threads
void BM_ksd2_imq(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), threads = static_cast<int>(state.range(1));
  const ss::Points x = normal_points(n, 1);
  const ss::Points s = -x;  // standard normal score
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(threads);
  double v = 0;
  for (auto _ : state) {
    arena.execute([&] { v = ss::ksd2_imq(x, s); });
    benchmark::DoNotOptimize(v);
  }
  state.counters["pairs_per_s"] =
      benchmark::Counter(0.5 * n * (n - 1.0), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ksd2_imq)
    ->ArgsProduct({{500, 1000, 2000, 5000, 10000}, {1, 2}})
    ->ArgNames({"N", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

void BM_ksd_rbf(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), threads = static_cast<int>(state.range(1));
  const ss::Points x = normal_points(n, 2);
  const ss::Points s = -x;
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(threads);
  for (auto _ : state) {
    ss::KsdStatistics k;
    arena.execute([&] { k = ss::ksd_rbf(x, s, 1.665); });
    benchmark::DoNotOptimize(k);
  }
}
BENCHMARK(BM_ksd_rbf)
    ->ArgsProduct({{1000, 5000}, {1, 2}})
    ->ArgNames({"N", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

// args: N (= reference size), threads
void BM_energy_distance(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), threads = static_cast<int>(state.range(1));
  const ss::Points x = normal_points(n, 3, 0.2), y = normal_points(n, 4);
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(threads);
  for (auto _ : state) {
    double e = 0;
    arena.execute([&] { e = ss::energy_distance(x, y); });
    benchmark::DoNotOptimize(e);
  }
}
BENCHMARK(BM_energy_distance)
    ->ArgsProduct({{1000, 5000}, {1, 2}})
    ->ArgNames({"N", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

// args: chains, draws per chain (AR(1) chains with φ = 0.9)
void BM_chain_diagnostics(benchmark::State& state) {
  const int chains = static_cast<int>(state.range(0)), draws = static_cast<int>(state.range(1));
  ss::Rng rng(5);
  Eigen::MatrixXd d(draws, chains);
  for (int c = 0; c < chains; ++c) {
    double v = rng.normal();
    for (int t = 0; t < draws; ++t) d(t, c) = v = 0.9 * v + std::sqrt(1 - 0.81) * rng.normal();
  }
  for (auto _ : state) {
    const ss::ChainDiagnostics r = ss::chain_diagnostics(d);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_chain_diagnostics)
    ->Args({4, 1000})
    ->Args({16, 1000})
    ->Args({64, 2000})
    ->ArgNames({"chains", "draws"})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
