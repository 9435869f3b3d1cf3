// Command application (worker.h): each cmd::* posted through Session::post is applied by the worker
// between two steps; a bad command becomes an error message in the next snapshot, never an
// exception across threads.
#include "core/engine/worker.h"

#include <algorithm>
#include <string>

namespace ss {

bool Session::Worker::valid(const Scenario& candidate, const std::string& what) {
  try {
    validate_scenario(candidate, what, options.methods);
    return true;
  } catch (const ScenarioError& e) {
    error(e.what());
    return false;
  }
}

void Session::Worker::apply(Command& command) {
  std::visit([this](auto& c) { apply_one(c); }, command);
  dirty = true;
}

void Session::Worker::apply_one(cmd::Start&) {
  running = true;
  finished_announced = false;
}

void Session::Worker::apply_one(cmd::Pause&) {
  running = false;
  for (auto& r : runs) r->step_until.reset();
}

void Session::Worker::apply_one(cmd::Step& c) {
  if (c.iterations < 1) return error("step: iterations must be at least 1");
  for (auto& r : runs)
    if (r->config().enabled && !r->diverged()) r->step_until = r->iteration() + c.iterations;
}

void Session::Worker::apply_one(cmd::Reset& c) {
  try {
    if (c.run) {
      Run* r = find(*c.run);
      if (!r) return error("reset: no run with id " + std::to_string(*c.run));
      restart(*r);
    } else {
      for (auto& r : runs) restart(*r);
    }
  } catch (const std::exception& e) {
    error(std::string("reset failed: ") + e.what());
  }
}

void Session::Worker::apply_one(cmd::Reseed& c) {
  scenario.seed = c.seed;
  scenario_dirty = true;
  recompute_baseline();
  rebuild_problem();  // ebm: the data and E_θ's initialization come from the scenario seed
  try {
    for (auto& r : runs) restart(*r);
  } catch (const std::exception& e) {
    error(std::string("reseed failed: ") + e.what());
  }
}

void Session::Worker::apply_one(cmd::SetParam& c) {
  Run* r = find(c.run);
  if (!r) return error("set parameter: no run with id " + std::to_string(c.run));
  const ParamDef* def = find_param(r->sampler().param_table(), c.name);
  try {
    r->sampler().set_param(c.name, c.value);
  } catch (const ParamError& e) {
    return error(r->config().label + ": " + e.what(), r);
  }
  r->set_param_override(c.name, c.value);
  r->last_error.clear();
  scenario_dirty = true;
  if (def && def->needs_reset) {
    try {
      restart(*r);
    } catch (const std::exception& e) {
      error(r->config().label + ": reset failed: " + e.what(), r);
    }
  }
}

void Session::Worker::apply_one(cmd::AddRun& c) {
  MethodConfig m = c.method;
  m.label = unique_label(m.label);
  try {
    const auto kinds = options.methods.kinds_for(scenario.task);
    if (std::find(kinds.begin(), kinds.end(), m.kind) == kinds.end())
      throw ParamError("kind", "unknown method kind '" + m.kind + "' for the " +
                                   task_name(scenario.task) + " task");
    (void)resolve_params(options.methods.param_table_for(scenario.task, m.kind), m.params);
    const std::uint64_t seed = run_seed(scenario.seed, m.label);
    auto sampler = make(m, seed);
    runs.push_back(std::make_unique<Run>(next_id++, m, seed, std::move(sampler)));
    runs.back()->state_target = bundle.target;
    scenario_dirty = true;
  } catch (const std::exception& e) {
    error("add run '" + m.label + "': " + e.what());
  }
}

void Session::Worker::apply_one(cmd::RemoveRun& c) {
  auto it = std::find_if(runs.begin(), runs.end(), [&](const auto& r) { return r->id() == c.run; });
  if (it == runs.end()) return error("remove run: no run with id " + std::to_string(c.run));
  scheduler.forget(c.run);
  runs.erase(it);
  scheduler.restart_order();
  scenario_dirty = true;
}

void Session::Worker::apply_one(cmd::SetRunEnabled& c) {
  Run* r = find(c.run);
  if (!r) return error("enable run: no run with id " + std::to_string(c.run));
  r->set_enabled(c.enabled);
  if (!c.enabled) r->step_until.reset();
  scenario_dirty = true;
}

void Session::Worker::apply_one(cmd::HoldRun& c) {
  Run* r = find(c.run);
  if (!r) return error("hold run: no run with id " + std::to_string(c.run));
  r->held = c.held;
  if (c.held) r->step_until.reset();
}

void Session::Worker::apply_one(cmd::StepRun& c) {
  Run* r = find(c.run);
  if (!r) return error("step run: no run with id " + std::to_string(c.run));
  if (c.iterations < 1) return error("step run: iterations must be at least 1");
  if (r->config().enabled && !r->diverged()) r->step_until = r->iteration() + c.iterations;
}

void Session::Worker::apply_one(cmd::SetLabel& c) {
  Run* r = find(c.run);
  if (!r) return error("rename run: no run with id " + std::to_string(c.run));
  if (c.label.empty()) return error("rename run: the label must not be empty", r);
  if (unique_label(c.label, r) != c.label)
    return error("rename run: label '" + c.label + "' is already used", r);
  r->set_label(c.label);
  scenario_dirty = true;
}

void Session::Worker::apply_one(cmd::ChangeTarget& c) {
  std::shared_ptr<const Target> target;
  try {
    target = build_target(c.target);
  } catch (const std::exception& e) {
    return error(std::string("target: ") + e.what());
  }
  restart_on_target = restart_on_target || c.restart;
  if (pending.valid()) {
    queued_spec = c.target;  // supersedes an older queued change
    return;
  }
  launch_reference(c.target, std::move(target));
}

void Session::Worker::apply_one(cmd::SetBudget& c) {
  Scenario candidate = current_scenario(true);
  candidate.budget = c.budget;
  if (!valid(candidate, "budget")) return;
  scenario.budget = c.budget;
  scenario_dirty = true;
  finished_announced = false;
}

void Session::Worker::apply_one(cmd::SetMetrics& c) {
  Scenario candidate = current_scenario(true);
  candidate.metrics = c.metrics;
  if (!valid(candidate, "metrics")) return;
  const bool baseline = c.metrics.ksd_samples != scenario.metrics.ksd_samples ||
                        c.metrics.iid_draws != scenario.metrics.iid_draws;
  scenario.metrics = c.metrics;
  scenario_dirty = true;
  if (baseline) recompute_baseline();
}

void Session::Worker::apply_one(cmd::SetEbmSettings& c) {
  if (scenario.task != Task::ebm) return error("EBM settings: only in an ebm scenario");
  Scenario candidate = current_scenario(true);
  candidate.ebm = c.ebm;
  if (!valid(candidate, "EBM settings")) return;
  const bool same_network = c.ebm.hidden == scenario.ebm.hidden &&
                            c.ebm.leaky_slope == scenario.ebm.leaky_slope &&
                            c.ebm.optimizer == scenario.ebm.optimizer;
  scenario.ebm = c.ebm;
  scenario_dirty = true;
  if (!bundle.problem) return;  // the problem is built later, with these settings
  if (!same_network) {
    rebuild_problem();
    try {
      for (auto& r : runs) restart(*r);
    } catch (const std::exception& e) {
      error(std::string("EBM settings: restart failed: ") + e.what());
    }
    return message(SessionMessage::Level::info, "EBM network changed: every run restarts");
  }
  auto problem = std::make_shared<EbmProblem>(*bundle.problem);
  problem->ebm = c.ebm;
  bundle.problem = std::move(problem);
  continue_on_problem();
}

void Session::Worker::apply_one(cmd::LoadScenario& c) {
  if (!valid(c.scenario, c.scenario.name.empty() ? "scenario" : c.scenario.name)) return;
  // The new target's reference first: a scenario whose ground truth cannot be computed is
  // refused and the current one goes on, rather than leaving runs that can never start.
  ReferenceBundle fresh;
  try {
    ScopedWallCpuTimer timer(&timing.reference_seconds, &timing.cpu_reference_seconds);
    std::shared_ptr<const Target> target = build_target(c.scenario.target);
    const ProblemRequest problem = problem_request(c.scenario, options.methods);
    arena.execute([&] {
      fresh = compute_bundle(
          c.scenario.target, std::move(target), options.reference_resolution, c.scenario.metrics,
          derive_seed(c.scenario.seed, options.reference_seed_stream), problem, &stop_interrupt);
    });
  } catch (const std::exception& e) {
    error("cannot open scenario '" + c.scenario.name + "': " + e.what() +
          "; the current scenario stays");
    return;
  }
  try {
    load(c.scenario, &fresh);
    message(SessionMessage::Level::info, "loaded scenario '" + c.scenario.name + "'");
  } catch (const std::exception& e) {
    error("cannot open scenario '" + c.scenario.name + "': " + e.what());
  }
}

}  // namespace ss
