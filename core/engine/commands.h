// Commands: everything a client (the GUI, the runner, a test) can ask of a Session. They are
// posted from any thread (Session::post), queued, and applied by the worker between two sampler
// steps, in the order posted. A command never throws across threads: a command that cannot be
// applied (unknown run id, parameter out of range, bad target spec, ...) changes nothing and adds
// an error to the next snapshot (Snapshot::messages and, for run commands,
// RunSnapshot::last_error).
//
// Runs are addressed by RunId, which the worker assigns (1, 2, ... in scenario order; added runs
// get the next unused id) and never reuses within a session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "core/io/scenario.h"
#include "core/targets/target.h"

namespace ss {

using RunId = int;

namespace cmd {

/// Run every enabled run until its budget (or until Pause). When every enabled run has finished
/// or diverged the session pauses by itself (Snapshot::running false, Snapshot::finished true).
struct Start {};
/// Stop advancing; state, curves and counters are kept. Also cancels a pending Step.
struct Pause {};
/// Advance every enabled, unfinished run by `iterations` iterations (budgets still apply), then
/// pause. iterations ≥ 1 (smaller values are an error).
struct Step {
  std::int64_t iterations = 1;
};
/// Re-initialize one run (or all when `run` is empty) from its seed: same seed → the same
/// trajectory as a fresh session. Clears iteration, counters, timers, curves and status.
/// Running/paused state is unchanged.
struct Reset {
  std::optional<RunId> run;
};
/// Set the scenario seed and reset every run from seeds derived from it (an ebm scenario also
/// redraws its data and E_θ's initialization, which come from the scenario seed).
struct Reseed {
  std::uint64_t seed = 0;
};
/// Set one knob of one run, validated against the method's parameter table. Knobs marked
/// needs_reset (e.g. SVGD's particle count) reset that run so they take effect.
struct SetParam {
  RunId run = 0;
  std::string name;
  double value = 0;
};
/// Add a run (kind and params validated; an empty or duplicate label gets " 2", " 3", ... added).
struct AddRun {
  MethodConfig method;
};
/// Remove a run and its curves.
struct RemoveRun {
  RunId run = 0;
};
/// Enable or disable a run; a disabled run keeps its state and is not advanced.
struct SetRunEnabled {
  RunId run = 0;
  bool enabled = true;
};
/// Slow motion: hold one run (Start no longer advances it while the other runs go on) or release
/// it. A held run still advances by StepRun. Reset and scenario loads keep the flag.
struct HoldRun {
  RunId run = 0;
  bool held = true;
};
/// Advance one run (held or not) by `iterations` ≥ 1, whether the session is running or not.
struct StepRun {
  RunId run = 0;
  std::int64_t iterations = 1;
};
/// Rename a run (must stay unique and non-empty).
struct SetLabel {
  RunId run = 0;
  std::string label;
};
/// Replace the target. The spec is checked at once (make_target); its GridReference is computed
/// on a separate thread, and only when it is ready are all samplers moved to the new target
/// (Sampler::set_target, state kept) together with the reference and the i.i.d. baseline. Until
/// then the runs go on, on the old target. A newer ChangeTarget supersedes a pending one.
///
/// `restart` (the app's live mode): when the new target is applied, every run is also reset
/// (as by Reset) in the same step, so no snapshot shows the old target's samples or curves with
/// the new target's reference; and if the session was running, or every enabled run had
/// finished, it runs again (as by Start). A superseded change's restart carries over to the one
/// that replaces it.
///
/// In an ebm scenario the new target's data are drawn (a new EbmProblem, same seed rule, the truth
/// recomputed) and every run CONTINUES on them whatever `restart` says (issue 16: drag a data
/// mode and training goes on): θ, optimizer moments, chains, iteration counts and curves are
/// kept (EbmTrainer::set_problem); a message in the snapshot says at which iterations the data
/// changed. A run that is not an EbmTrainer (still waiting for its problem) is reset. Reset
/// restarts from scratch.
struct ChangeTarget {
  TargetSpec target;
  bool restart = false;
};
/// Replace the budget (applies to every run; after growing it, Start continues finished runs).
/// The amount is validated like a scenario file's budget.
struct SetBudget {
  Budget budget;
};
/// Replace the metric settings (cadence and evaluation sample size take effect at the next
/// metric pass; the i.i.d. baseline is recomputed when ksd_samples or iid_draws change).
struct SetMetrics {
  MetricSettings metrics;
};
/// Replace the ebm block of an ebm scenario (validated like a scenario file's; an error in a
/// sampling scenario). What can change in place does, for every run between two steps, and
/// training goes on (θ, chains, iteration counts and curves kept; EbmTrainer::set_problem):
/// learning_rate and l2 (each run's optimizer, Adam's moments kept), batch (from the next step),
/// persistent (pools resized: the first chains kept, new ones started the sampler's documented
/// way), max_log_density_range. A change of the network (hidden, leaky_slope, optimizer)
/// re-initializes E_θ and restarts every run.
struct SetEbmSettings {
  EbmSettings ebm;
};
/// Replace the whole scenario (e.g. opening a gallery file): new target, runs, seed, budget and
/// metrics; pauses. The scenario is validated first (an invalid one is an error, nothing changes).
struct LoadScenario {
  Scenario scenario;
};

}  // namespace cmd

/// Any command.
using Command = std::variant<cmd::Start, cmd::Pause, cmd::Step, cmd::Reset, cmd::Reseed,
                             cmd::SetParam, cmd::AddRun, cmd::RemoveRun, cmd::SetRunEnabled,
                             cmd::SetLabel, cmd::ChangeTarget, cmd::SetBudget, cmd::SetMetrics,
                             cmd::LoadScenario, cmd::HoldRun, cmd::StepRun, cmd::SetEbmSettings>;

}  // namespace ss
