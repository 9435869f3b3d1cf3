// Benchmarks of the dense-network toolkit (core/nn), with the machine's dense matrix-product rate
// beside them. Counters report GFLOP/s ("flops" is a rate: FLOP per second; divide by 1e9).
//   ./bench_nn --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <tbb/task_arena.h>

#include "core/nn/mlp.h"
#include "core/nn/optim.h"

namespace {

using ss::nn::Activation;
using ss::nn::Mlp;
using ss::nn::RowMatrix;

// FLOP of the matrix products of one forward pass (2·w_l·w_{l−1} per row and layer).
double forward_flops(const std::vector<int>& widths, double rows) {
  double f = 0;
  for (size_t l = 1; l < widths.size(); ++l) f += 2.0 * widths[l] * widths[l - 1] * rows;
  return f;
}
// Parameter backward: weight gradients (as forward) + δ propagation for layers 2..L.
double backward_flops(const std::vector<int>& widths, double rows) {
  double f = forward_flops(widths, rows);
  for (size_t l = 2; l < widths.size(); ++l) f += 2.0 * widths[l] * widths[l - 1] * rows;
  return f;
}

// Eigen's GEMM on the shape of the big layer (m × k times k × n), plain Eigen, one call.
void BM_EigenGemm(benchmark::State& state) {
  const Eigen::Index m = state.range(0), k = state.range(1), n = state.range(2);
  Eigen::MatrixXd a = Eigen::MatrixXd::Random(m, k), b = Eigen::MatrixXd::Random(k, n), c(m, n);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["flops"] =
      benchmark::Counter(2.0 * m * k * n, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_EigenGemm)
    ->Args({128, 128, 1024})
    ->Args({512, 512, 512})
    ->Unit(benchmark::kMicrosecond);

std::vector<int> widths_for(int hidden_layers, int width) {
  std::vector<int> w = {2};
  for (int i = 0; i < hidden_layers; ++i) w.push_back(width);
  w.push_back(2);
  return w;
}

// Forward + parameter backward of 2 → 128 → 128 → 2 SiLU (the target: ≤ 1.5 ms at 1024
// rows). range: rows, hidden width, TBB threads (the passes run inside a task_arena of that size).
void BM_MlpForwardBackward(benchmark::State& state) {
  const Eigen::Index rows = state.range(0);
  tbb::task_arena arena(static_cast<int>(state.range(2)));
  const std::vector<int> widths = widths_for(2, static_cast<int>(state.range(1)));
  ss::Rng rng(1);
  Mlp net(widths, Activation::kSiLU);
  net.initialize(rng);
  RowMatrix x(rows, 2), g(rows, 2);
  rng.fill_normal(x);
  rng.fill_normal(g);
  arena.execute([&] {
    net.forward(x);  // warm-up: sizes the workspace outside the timed loop
    net.backward(g);
    for (auto _ : state) {
      net.forward(x);
      net.backward(g);
      benchmark::DoNotOptimize(net.gradients().data());
    }
  });
  state.counters["flops"] =
      benchmark::Counter(forward_flops(widths, rows) + backward_flops(widths, rows),
                         benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_MlpForwardBackward)
    ->Args({1024, 128, 1})
    ->Args({1024, 128, 2})
    ->Args({256, 128, 1})
    ->Args({4096, 128, 1})
    ->Args({4096, 128, 2})
    ->Args({1024, 64, 1})
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMicrosecond);

// Single-threaded forward pass by activation.
void BM_MlpForward(benchmark::State& state) {
  const Eigen::Index rows = state.range(0);
  const std::vector<int> widths = widths_for(2, 128);
  ss::Rng rng(1);
  Mlp net(widths, static_cast<Activation>(state.range(1)));
  net.set_threading(false);
  net.initialize(rng);
  RowMatrix x(rows, 2);
  rng.fill_normal(x);
  net.forward(x);  // warm-up: sizes the workspace outside the timed loop
  for (auto _ : state) benchmark::DoNotOptimize(net.forward(x).data());
  state.SetLabel(ss::nn::activation_name(static_cast<Activation>(state.range(1))));
  state.counters["flops"] = benchmark::Counter(forward_flops(widths, rows),
                                               benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_MlpForward)
    ->Args({1024, static_cast<int>(Activation::kSiLU)})
    ->Args({1024, static_cast<int>(Activation::kTanh)})
    ->Args({1024, static_cast<int>(Activation::kReLU)})
    ->Unit(benchmark::kMicrosecond);

// DFT's score-network pass: forward + input VJP (J_Sᵀ w), no parameter gradients; one thread.
void BM_MlpForwardInputVjp(benchmark::State& state) {
  const Eigen::Index rows = state.range(0);
  ss::Rng rng(1);
  Mlp net(widths_for(2, 128), Activation::kSiLU);
  net.set_threading(false);
  net.initialize(rng);
  RowMatrix x(rows, 2), w(rows, 2), out(rows, 2);
  rng.fill_normal(x);
  rng.fill_normal(w);
  net.forward(x);  // warm-up
  net.input_vjp(w, out);
  for (auto _ : state) {
    net.forward(x);
    net.input_vjp(w, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_MlpForwardInputVjp)->Arg(1024)->Unit(benchmark::kMicrosecond);

// Clipping + AdamW step over the 2 → 128 → 128 → 2 parameters (17 k numbers).
void BM_ClipAndAdamStep(benchmark::State& state) {
  ss::Rng rng(1);
  Mlp net(widths_for(2, 128), Activation::kSiLU);
  net.initialize(rng);
  for (Eigen::Index i = 0; i < net.num_parameters(); ++i) net.gradients()(i) = rng.normal();
  ss::nn::Adam adam = ss::nn::make_adamw(net.num_parameters(), 1e-3);
  ss::nn::ParameterSpan span = net.parameter_span();
  for (auto _ : state) {
    ss::nn::clip_global_norm(span, 1e9);
    adam.step(span);
    benchmark::DoNotOptimize(net.parameters().data());
  }
}
BENCHMARK(BM_ClipAndAdamStep)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
