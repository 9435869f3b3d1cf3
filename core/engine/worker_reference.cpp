// The worker's reference computation (worker.h, reference.h): the grid reference at start and at
// LoadScenario (on the worker), a target change in the background (launch_reference, polled
// between steps), the i.i.d. baseline and the ebm task's problem, and loading a scenario's runs.
#include "core/engine/worker.h"

#include <stdexcept>
#include <string>

#include "core/ebm/trainer.h"

namespace ss {

void Session::Worker::rebuild_problem() {
  if (scenario.task != Task::ebm || !bundle.reference) return;
  ScopedWallCpuTimer timer(&timing.reference_seconds, &timing.cpu_reference_seconds);
  try {
    const ProblemRequest q = problem_request(scenario, options.methods);
    std::shared_ptr<const EbmProblem> problem;
    arena.execute([&] { problem = build_problem(q, bundle.target); });
    bundle.problem = std::move(problem);
    reference_ready = true;
    reference_error.clear();
    reference_error_field.clear();
  } catch (const std::exception& e) {
    bundle.problem.reset();
    reference_ready = false;
    reference_error = e.what();
    reference_error_field = "/data";
    error(reference_error);
  }
  dirty = true;
}

void Session::Worker::continue_on_problem() {
  const bool resume = running || all_done();
  bool restarted = false;
  for (auto& r : runs) {
    auto* trainer = dynamic_cast<EbmTrainer*>(&r->sampler());
    try {
      if (!trainer) throw std::invalid_argument("not a trainer");
      arena.execute([&] { trainer->set_problem(bundle.problem); });
      r->state_target = bundle.target;
    } catch (const std::invalid_argument&) {
      restart(*r);
      restarted = true;
    }
  }
  if (restarted && resume) running = true, finished_announced = false;
  dirty = true;
}

void Session::Worker::recompute_baseline() {
  if (!bundle.reference || scenario.task == Task::ebm) return;
  ScopedWallCpuTimer timer(&timing.metric_seconds, &timing.cpu_metric_seconds);
  try {
    arena.execute(
        [&] { compute_baseline(bundle, scenario.metrics, reference_seed(), &stop_interrupt); });
  } catch (const std::exception& e) {
    error(std::string("i.i.d. baseline failed: ") + e.what());
  }
  dirty = true;
}

void Session::Worker::launch_reference(const TargetSpec& spec,
                                       std::shared_ptr<const Target> target) {
  const int resolution = options.reference_resolution;
  const MetricSettings metrics = scenario.metrics;
  const std::uint64_t seed = reference_seed();
  const int threads = arena_threads(options.threads);
  const ProblemRequest problem = problem_request(scenario, options.methods);
  pending = ss::launch_reference(spec, std::move(target), resolution, metrics, seed, threads,
                                 problem, &stop_interrupt);
  dirty = true;
}

void Session::Worker::poll_reference() {
  if (!pending.valid() || pending.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
    return;
  try {
    ReferenceBundle b = pending.get();
    bundle = std::move(b);
    scenario.target = bundle.spec;
    scenario_dirty = true;
    if (scenario.task == Task::ebm) {
      // New data: every run continues training on the new problem (made with the seed and
      // EBM settings of when the change was posted: redrawn if either changed since).
      if (bundle.seed != reference_seed() || !bundle.problem || bundle.problem->ebm != scenario.ebm)
        rebuild_problem();
      std::string at;
      for (const auto& r : runs)
        at +=
            (at.empty() ? "" : ", ") + r->config().label + " at " + std::to_string(r->iteration());
      if (bundle.problem) continue_on_problem();
      restart_on_target = false;
      message(SessionMessage::Level::info,
              "target changed to " + bundle.target->display_name() +
                  ": data redrawn from it; the EBM runs continue on them (" + at + ")");
      dirty = true;
      launch_queued();
      return;
    }
    // The seed or the metric settings may have changed while it computed.
    if (bundle.seed != reference_seed() ||
        bundle.metrics.ksd_samples != scenario.metrics.ksd_samples ||
        bundle.metrics.iid_draws != scenario.metrics.iid_draws)
      recompute_baseline();
    for (auto& r : runs) r->sampler().set_target(bundle.target);
    if (restart_on_target && !queued_spec) {
      // Live mode: the reset runs and the new reference appear in the same snapshot.
      const bool resume = running || all_done();
      for (auto& r : runs) restart(*r);
      if (resume) running = true, finished_announced = false;
      restart_on_target = false;
    }
    message(SessionMessage::Level::info, "target changed to " + bundle.target->display_name());
  } catch (const std::exception& e) {
    error(std::string("target change failed: ") + e.what());
  }
  dirty = true;
  launch_queued();
}

void Session::Worker::launch_queued() {
  if (!queued_spec) return;
  TargetSpec spec = std::move(*queued_spec);
  queued_spec.reset();
  try {
    launch_reference(spec, build_target(spec));
  } catch (const std::exception& e) {
    error(std::string("target change failed: ") + e.what());
  }
}

void Session::Worker::load(const Scenario& s, ReferenceBundle* ready) {
  auto target = ready ? ready->target : build_target(s.target);
  std::vector<std::unique_ptr<Run>> fresh;
  RunId id = next_id;
  for (const auto& m : s.methods) {
    const std::uint64_t seed = run_seed(s.seed, m.label);
    // An ebm run without a ready problem is a PendingSampler until the worker builds it.
    auto sampler = make(m, seed, target, s.task, ready ? ready->problem : nullptr);
    fresh.push_back(std::make_unique<Run>(id++, m, seed, std::move(sampler)));
    fresh.back()->state_target = target;
  }
  // A target change still computing belongs to the old scenario: wait for it and drop it.
  if (pending.valid()) {
    try {
      pending.get();
    } catch (...) {
    }
  }
  queued_spec.reset();
  restart_on_target = false;
  next_id = id;
  runs = std::move(fresh);
  scenario = s;
  if (ready) {
    bundle = std::move(*ready);
  } else {
    bundle = ReferenceBundle{};
    bundle.spec = s.target;
    bundle.target = std::move(target);
  }
  reference_ready = ready != nullptr;
  reference_error.clear();
  reference_error_field.clear();
  running = false;
  finished_announced = false;
  scheduler.clear();
  scenario_dirty = true;
  dirty = true;
}

void Session::Worker::compute_reference_now() {
  ScopedWallCpuTimer timer(&timing.reference_seconds, &timing.cpu_reference_seconds);
  try {
    const ProblemRequest problem = problem_request(scenario, options.methods);
    arena.execute([&] {
      bundle = compute_bundle(bundle.spec, bundle.target, options.reference_resolution,
                              scenario.metrics, reference_seed(), problem, &stop_interrupt);
    });
    reference_ready = true;
    reference_error.clear();
    reference_error_field.clear();
    // ebm: the runs were PendingSamplers; now they become trainers on the problem.
    if (scenario.task == Task::ebm)
      for (auto& r : runs) restart(*r);
  } catch (const Interrupted&) {
    // The session stops (or the runner was interrupted): the runs stay waiting, no error.
    message(SessionMessage::Level::info, "the grid reference was interrupted");
  } catch (const DataError& e) {
    reference_error = e.what();
    reference_error_field = "/data";
    error(reference_error);
  } catch (const std::exception& e) {
    reference_error = std::string("cannot compute the target's grid reference: ") + e.what();
    reference_error_field = "/target";
    error(reference_error);
  }
  dirty = true;
}

}  // namespace ss
