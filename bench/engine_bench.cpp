// Engine overhead at the default scenario (assets/scenarios/default.json: Donut with DFT, SVGD and
// flowMC) with the GUI's session options: the worker's busy time minus time inside sampler steps,
// metric passes and grid-reference computation, as a fraction of sampler time (target ≤ 5 %), and
// the longest single snapshot publication (target ≤ 1 ms). Counters:
//   overhead_pct      100 · overhead / sampler time
//   max_publish_ms    worst publication
//   mean_publish_us   mean publication
//   publications      snapshots published during the run
// The session runs every method for `iterations` iterations (argument), so the numbers cover
// steady-state stepping with metric passes every 50 iterations and ~30 snapshots per second.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "core/engine/session.h"

namespace {

std::filesystem::path default_scenario_path() {
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "assets" / "scenarios" /
         "default.json";
}

void BM_EngineOverheadDefaultScenario(benchmark::State& state) {
  ss::Scenario scenario = ss::load_scenario(default_scenario_path());
  scenario.budget = {ss::BudgetKind::iterations, double(state.range(0))};
  ss::SessionOptions options;  // GUI defaults: wall-time fairness, 30 snapshots/s
  // range(1) == 0: no overlay refresh after the first (isolates Sampler::fill_overlay's cost).
  if (state.range(1) == 0) options.overlay_interval = 1e9;
  ss::WorkerTiming timing;
  for (auto _ : state) {
    ss::Session session(scenario, options);
    session.post(ss::cmd::Start{});
    auto snap = session.wait_finished(600);
    if (!snap->finished) state.SkipWithError("did not finish");
    timing = snap->timing;
  }
  state.counters["overhead_pct"] = 100.0 * timing.overhead_seconds() / timing.sampler_seconds;
  state.counters["max_publish_ms"] = 1e3 * timing.max_publish_seconds;
  state.counters["mean_publish_us"] =
      timing.publications ? 1e6 * timing.publish_seconds / double(timing.publications) : 0.0;
  state.counters["publications"] = double(timing.publications);
  state.counters["sampler_s"] = timing.sampler_seconds;
  state.counters["metric_s"] = timing.metric_seconds;
}
BENCHMARK(BM_EngineOverheadDefaultScenario)
    ->ArgNames({"iterations", "overlays"})
    ->Args({300, 1})
    ->Args({300, 0})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
