// Engine overhead at the default scenario (assets/scenarios/default.json: Donut with DFT, SVGD and
// flowMC) with the GUI's session options, against the two goals of the engine:
//
//   overhead_pct       ≤ 5    100 · (worker time not in Sampler::step(), not in metric passes and
//                             not in the one-off grid reference) / (time in Sampler::step()).
//                             Wall time of the worker thread (WorkerTiming::overhead_seconds).
//   publish_max_ms     ≤ 1    the longest time the worker spent in one publication (building a
//                             snapshot and swapping it in); publish_median_ms its median.
//
// The same quantities in worker-thread CPU time (overhead_cpu_pct, publish_cpu_max_ms,
// publish_cpu_median_ms) are not inflated when other processes preempt the worker, so they are
// the numbers to trust on a loaded machine; they cover all the work when the session's arena has
// one thread (the default on 2 cores; `threads` below is the arena size actually used). Also:
// view_pct (the part of the overhead spent refreshing canvas views: display samples and
// overlays), view_max_ms (longest single view refresh), publications, sampler_s, metric_s.
//
// The session runs every method for `iterations` iterations (argument), so the numbers cover
// steady-state stepping with metric passes every 50 iterations and ≤ 30 snapshots per second.
// The goal row is check_every_step:0 (the GUI default); check_every_step:1 shows the price of
// SessionOptions::check_display_every_step (DFT's display pass after every step).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "core/engine/curves.h"
#include "core/engine/session.h"

namespace {

std::filesystem::path default_scenario_path() {
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "assets" / "scenarios" /
         "default.json";
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void BM_EngineOverheadDefaultScenario(benchmark::State& state) {
  ss::Scenario scenario = ss::load_scenario(default_scenario_path());
  scenario.budget = {ss::BudgetKind::iterations, double(state.range(0))};
  ss::SessionOptions options;  // GUI defaults: wall-time fairness, ≤ 30 snapshots/s
  // check_every_step:1 prices SessionOptions::check_display_every_step (off in the GUI).
  options.check_display_every_step = state.range(1) != 0;
  ss::WorkerTiming timing;
  std::vector<ss::PublishCost> costs;
  for (auto _ : state) {
    ss::Session session(scenario, options);
    session.post(ss::cmd::Start{});
    // Read snapshots the way the GUI does: one snapshot() per 60 Hz frame, never waiting on the
    // worker (wait_finished() would be woken by every publication, which no GUI does).
    std::shared_ptr<const ss::Snapshot> snap = session.snapshot();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(600);
    while (!snap->finished && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(16));
      snap = session.snapshot();
    }
    if (!snap->finished) state.SkipWithError("did not finish");
    timing = snap->timing;
    costs = session.publish_costs();
  }
  std::vector<double> wall, cpu;
  for (const auto& c : costs) {
    wall.push_back(c.wall_seconds);
    cpu.push_back(c.cpu_seconds);
  }
  const double max_wall = wall.empty() ? 0 : *std::max_element(wall.begin(), wall.end());
  const double max_cpu = cpu.empty() ? 0 : *std::max_element(cpu.begin(), cpu.end());
  const int cores = int(std::thread::hardware_concurrency());
  state.counters["overhead_pct"] = 100.0 * timing.overhead_seconds() / timing.sampler_seconds;
  state.counters["publish_max_ms"] = 1e3 * max_wall;
  state.counters["publish_median_ms"] = 1e3 * median(wall);
  state.counters["overhead_cpu_pct"] =
      100.0 * timing.cpu_overhead_seconds() / timing.cpu_sampler_seconds;
  state.counters["publish_cpu_max_ms"] = 1e3 * max_cpu;
  state.counters["publish_cpu_median_ms"] = 1e3 * median(cpu);
  state.counters["view_pct"] = 100.0 * timing.view_seconds / timing.sampler_seconds;
  state.counters["view_max_ms"] = 1e3 * timing.max_view_seconds;
  state.counters["publications"] = double(timing.publications);
  state.counters["sampler_s"] = timing.sampler_seconds;
  state.counters["metric_s"] = timing.metric_seconds;
  state.counters["busy_s"] = timing.busy_seconds;
  state.counters["cpu_busy_s"] = timing.cpu_busy_seconds;
  state.counters["cpu_sampler_s"] = timing.cpu_sampler_seconds;
  state.counters["reference_s"] = timing.reference_seconds;
  state.counters["cpu_reference_s"] = timing.cpu_reference_seconds;
  state.counters["threads"] = options.threads > 0 ? options.threads : std::max(1, cores - 1);
}
BENCHMARK(BM_EngineOverheadDefaultScenario)
    ->ArgNames({"iterations", "check_every_step"})
    ->Args({300, 0})
    ->Args({300, 1})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// What a publication pays for one changed curve of n points (one point appended since the last
// publication; 1000 publications take the curve from n to n + 1000 points): chunked sharing
// (CurvePublisher, what the engine does) against copying the whole curve (what it did before).
void BM_PublishChangedCurve(benchmark::State& state) {
  const auto n = std::size_t(state.range(0));
  const bool chunked = state.range(1) != 0;
  ss::CurvePoints points;
  points.reserve(n + 2000);
  auto append = [&] {
    const std::size_t i = points.size();
    points.push_back({std::int64_t(i), i, 0.001 * double(i), 1.0});
  };
  for (std::size_t i = 0; i < n; ++i) append();
  ss::CurvePublisher publisher;
  auto published = std::make_shared<const ss::Curve>(publisher.publish(points));
  for (auto _ : state) {
    append();
    published = std::make_shared<const ss::Curve>(chunked ? publisher.publish(points)
                                                          : ss::Curve::from_points(points));
    benchmark::DoNotOptimize(published.get());
  }
}
BENCHMARK(BM_PublishChangedCurve)
    ->ArgNames({"points", "chunked"})
    ->Args({4096, 0})
    ->Args({4096, 1})
    ->Args({65536, 0})
    ->Args({65536, 1})
    ->Iterations(1000);

}  // namespace

BENCHMARK_MAIN();
