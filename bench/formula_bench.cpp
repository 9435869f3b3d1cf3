// Formula targets: batched log density + score + Hessian for 10⁵ points (the budget is
// ≤ 20 ms on the 2-core machine), for a few typical formulas, through the program's own batched
// path and through Target::evaluate (virtual jet_at per point); plus the cost of checking a
// formula.
#include <benchmark/benchmark.h>

#include <tbb/global_control.h>

#include <random>

#include "core/targets/formula.h"

namespace {

const char* const kFormulas[] = {
    // 0: donut
    "a = 2.6; -(sqrt(x^2 + y^2) - a)^2 / 0.033",
    // 1: banana (chi-feng form)
    "y1 = x / 2; y2 = 2 * y + 0.4 * (x^2 + 4) - 4; -0.5 * (y1^2 - y1 * y2 + y2^2) / 0.75",
    // 2: three-mode mixture
    "logsumexp(-((x + 1.5)^2 + (y + 1.5)^2) / 1.6, -((x - 1.5)^2 + (y - 1.5)^2) / 1.6,"
    " -((x + 2)^2 + (y - 2)^2) / 1.0 + log(0.8 / 0.5))",
};

ss::Points random_points(int n) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(-4, 4);
  ss::Points p(n, 2);
  for (int i = 0; i < n; ++i) p(i, 0) = u(rng), p(i, 1) = u(rng);
  return p;
}

void BM_FormulaProgramEvaluate(benchmark::State& state) {
  const auto program = ss::FormulaProgram::compile(kFormulas[state.range(0)]);
  const ss::Points pts = random_points(100000);
  ss::Vec lp(pts.rows());
  ss::Points score(pts.rows(), 2);
  ss::Hessians hess(pts.rows(), 3);
  for (auto _ : state) {
    program->evaluate(pts, &lp, &score, &hess);
    benchmark::DoNotOptimize(hess.data());
  }
  state.SetItemsProcessed(state.iterations() * pts.rows());
}
BENCHMARK(BM_FormulaProgramEvaluate)
    ->DenseRange(0, 2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One thread: CPU time per 10⁵ points of a single core (robust against a loaded machine; the
// two-core wall time is about half of it).
void BM_FormulaProgramEvaluateOneThread(benchmark::State& state) {
  tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  const auto program = ss::FormulaProgram::compile(kFormulas[state.range(0)]);
  const ss::Points pts = random_points(100000);
  ss::Vec lp(pts.rows());
  ss::Points score(pts.rows(), 2);
  ss::Hessians hess(pts.rows(), 3);
  for (auto _ : state) {
    program->evaluate(pts, &lp, &score, &hess);
    benchmark::DoNotOptimize(hess.data());
  }
  state.SetItemsProcessed(state.iterations() * pts.rows());
}
BENCHMARK(BM_FormulaProgramEvaluateOneThread)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

// The compiled built-in donut through Target::evaluate, one thread: the baseline the interpreted
// formula 0 is compared with.
void BM_BuiltinDonutOneThread(benchmark::State& state) {
  tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  ss::TargetSpec spec;
  spec.kind = "donut";
  const auto target = ss::make_target(spec);
  const ss::Points pts = random_points(100000);
  ss::Vec lp(pts.rows());
  ss::Points score(pts.rows(), 2);
  ss::Hessians hess(pts.rows(), 3);
  for (auto _ : state) {
    target->evaluate(pts, &lp, &score, &hess);
    benchmark::DoNotOptimize(hess.data());
  }
  state.SetItemsProcessed(state.iterations() * pts.rows());
}
BENCHMARK(BM_BuiltinDonutOneThread)->Unit(benchmark::kMillisecond);

void BM_FormulaTargetEvaluate(benchmark::State& state) {
  const auto target = ss::make_formula_target(kFormulas[state.range(0)], ss::Box{-5, 5, -5, 5});
  const ss::Points pts = random_points(100000);
  ss::Vec lp(pts.rows());
  ss::Points score(pts.rows(), 2);
  ss::Hessians hess(pts.rows(), 3);
  for (auto _ : state) {
    target->evaluate(pts, &lp, &score, &hess);
    benchmark::DoNotOptimize(hess.data());
  }
  state.SetItemsProcessed(state.iterations() * pts.rows());
}
BENCHMARK(BM_FormulaTargetEvaluate)->DenseRange(0, 2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FormulaLogDensityOnly(benchmark::State& state) {
  const auto program = ss::FormulaProgram::compile(kFormulas[state.range(0)]);
  const ss::Points pts = random_points(100000);
  ss::Vec lp(pts.rows());
  for (auto _ : state) {
    program->evaluate(pts, &lp, nullptr, nullptr);
    benchmark::DoNotOptimize(lp.data());
  }
  state.SetItemsProcessed(state.iterations() * pts.rows());
}
BENCHMARK(BM_FormulaLogDensityOnly)->DenseRange(0, 2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FormulaCheck(benchmark::State& state) {
  for (auto _ : state) {
    auto c = ss::check_formula(kFormulas[state.range(0)], ss::Box{-5, 5, -5, 5});
    benchmark::DoNotOptimize(c.log_normalizer);
  }
}
BENCHMARK(BM_FormulaCheck)->DenseRange(0, 2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FormulaCompile(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ss::FormulaProgram::compile(kFormulas[2]));
}
BENCHMARK(BM_FormulaCompile)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
