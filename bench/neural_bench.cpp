// Iteration cost of the neural implicit samplers (issue 6 target: ≤ 3 ms per iteration on the
// 2-core machine with batch 512 and networks 2→128→128→2). One DFT iteration = one DSM step on the
// score network + one generator step (target score+Hessian, score-net forward + input VJP,
// generator forward + backward, Adam on both). KL-NS: the same with a score-only generator step.
// Amortized SVGD: generator forward, target scores, the n² SVGD direction, backward, Adam.
#include <benchmark/benchmark.h>

#include <tbb/global_control.h>

#include "core/samplers/sampler.h"
#include "core/targets/target.h"

namespace {

using namespace ss;

// `issue_shapes`: batch 512 and a 2→128→128→2 generator (the issue's definition); otherwise the
// sampler's defaults apart from `params`.
void run_iterations(benchmark::State& state, const std::string& kind, const std::string& target,
                    ParamValues params, bool issue_shapes = true) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, state.range(0));
  if (issue_shapes) {
    params["batch_size"] = 512;
    params["latent_dim"] = 2;  // generator 2→128→128→2 like the score network
    params["hidden_width"] = 128;
    params["hidden_layers"] = 2;
  }
  auto s = make_sampler(kind, make_target(TargetSpec{target}), params, 1);
  for (int i = 0; i < 5; ++i) s->step();  // warm-up (and DFT/KL-NS score-net warm-up)
  for (auto _ : state) s->step();
  if (s->status().diverged) state.SkipWithError(s->status().reason.c_str());
  state.counters["threads"] = double(state.range(0));
}

void BM_DftIteration(benchmark::State& state) {
  run_iterations(state, "dft", "donut", {{"score_steps", 1}, {"warmup_steps", 0}});
}
void BM_KlNsIteration(benchmark::State& state) {
  run_iterations(state, "kl_ns", "donut", {{"score_steps", 1}, {"warmup_steps", 0}});
}
// The iteration as the defaults run it (latent 4, score_steps 5 = five DSM steps + one generator
// step): what a user's DFT run costs per iteration, beside the issue's one-DSM-step definition.
void BM_DftIterationAtDefaults(benchmark::State& state) {
  run_iterations(state, "dft", "donut", {{"warmup_steps", 0}}, false);
}
// The defaults with the residual score network off: the iteration as it was before issue 14 (plain
// S = −ε̂/σ, no target scores in the DSM steps), so the cost of the residual network is measured in
// the same binary and the same conditions.
void BM_DftIterationAtDefaultsPlainScore(benchmark::State& state) {
  run_iterations(state, "dft", "donut", {{"warmup_steps", 0}, {"residual", 0}}, false);
}
// The defaults of issue 14's session 6 (SiLU generator, no KL term, no weight averaging; the
// learning-rate schedule does not change the cost): what session 7's defaults cost beside them.
void BM_DftIterationAtSession6Defaults(benchmark::State& state) {
  run_iterations(state, "dft", "donut",
                 {{"warmup_steps", 0}, {"activation", 0}, {"kl_weight", 0}, {"ema", 0}}, false);
}
// The defaults with one DSM step per iteration instead of five: what the other four cost.
void BM_DftIterationAtDefaultsOneScoreStep(benchmark::State& state) {
  run_iterations(state, "dft", "donut", {{"warmup_steps", 0}, {"score_steps", 1}}, false);
}
// A DFT reset at the defaults on rosenbrock, 2 threads, repeated on the same target: the affines
// from the box (argument 0) or from the target's grid reference (1, the defaults since issue 14's
// session 9). The reference affine, like σ_auto's width, is computed once per target (one 256²
// grid reference at the first reset) and reused by later resets, so neither is in the loop.
void BM_DftReset(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 2);
  const double reference = double(state.range(0));
  auto s = make_sampler("dft", make_target(TargetSpec{"rosenbrock"}),
                        {{"output_affine", reference}, {"score_affine", reference}}, 1);
  std::uint64_t seed = 1;
  for (auto _ : state) s->reset(++seed);
}
void BM_AmortizedSvgdIteration(benchmark::State& state) {
  run_iterations(state, "amortized_svgd", "donut", {});
}

BENCHMARK(BM_DftIteration)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DftIterationAtDefaults)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DftIterationAtDefaultsPlainScore)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_DftIterationAtSession6Defaults)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_DftIterationAtDefaultsOneScoreStep)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_DftReset)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_KlNsIteration)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AmortizedSvgdIteration)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
