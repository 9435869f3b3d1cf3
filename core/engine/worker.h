// Session::Worker: the worker thread's state and its parts (a private header of core/engine; only
// the engine's own units include it). Everything here is owned and used by the worker thread
// (and by the Session constructor before the thread starts). The units:
//   session.cpp           Session (the two doors: post, snapshot), the worker loop, run building,
//                         canvas views
//   worker_commands.cpp   command application between steps (apply_one per cmd::*)
//   worker_reference.cpp  grid reference, i.i.d. baseline and EBM problem (reference.h), target
//                         changes in the background, scenario loading
//   worker_publish.cpp    building a snapshot from the runs' caches
//   scheduler.h           which run goes next (fairness state per run)
//   clock.h               the scoped wall + CPU timer every timed section uses
#pragma once

#include <tbb/task_arena.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/engine/clock.h"
#include "core/engine/reference.h"
#include "core/engine/run.h"
#include "core/engine/scheduler.h"
#include "core/engine/session.h"

namespace ss {

/// Messages kept for snapshots (the oldest are dropped).
inline constexpr std::size_t kMaxMessages = 64;

struct Session::Worker {
  SessionOptions options;
  /// The scenario's settings (target, seed, task, data, budget, metrics); its methods are the
  /// runs' configs (current_scenario()), so `scenario.methods` is not read after load().
  Scenario scenario;
  std::shared_ptr<const Scenario> scenario_published;
  bool scenario_dirty = true;

  // -- interruption (core/common/interrupt.h) — shared with client threads -----------------------
  /// Requested when the session stops (its parent: SessionOptions::interrupt). Every step and
  /// reference computation sees it. Declared before `pending`, whose computation reads it.
  Interrupt stop_interrupt;
  /// The step in progress (parent: stop_interrupt): requested by post() through interrupt_for,
  /// cleared before every step.
  Interrupt step_interrupt;
  std::mutex stepping_mutex;  // guards `stepping_run` and the clearing of step_interrupt
  RunId stepping_run = 0;     // the run being stepped (0: none)

  ReferenceBundle bundle;  // target always set; reference null until ready
  bool reference_ready = false;
  std::string reference_error, reference_error_field;
  std::future<ReferenceBundle> pending;   // a ChangeTarget computing
  std::optional<TargetSpec> queued_spec;  // a newer ChangeTarget waiting for `pending`
  bool restart_on_target = false;         // a pending/queued ChangeTarget asked for a restart

  std::vector<std::unique_ptr<Run>> runs;
  RunId next_id = 1;
  Scheduler scheduler;
  bool running = false;
  bool finished_announced = false;

  tbb::task_arena arena;

  std::deque<SessionMessage> messages;
  std::uint64_t message_sequence = 0;

  WorkerTiming timing;
  double start_time = 0, waited_seconds = 0;
  double load_window_start = 0, load_window_busy = 0, load_fraction = 0;

  bool on_worker = false;  // build() runs on the worker thread (false: the constructor's build)
  double cpu_start = 0;    // worker-thread CPU time when the worker started

  std::uint64_t version = 0;
  std::uint64_t applied_commands = 0;
  double last_publish = -1e300;
  bool dirty = true;

  explicit Worker(SessionOptions o)
      : options(std::move(o)),
        stop_interrupt(options.interrupt),
        step_interrupt(&stop_interrupt),
        scheduler(options.scheduling),
        arena(arena_threads(options.threads)) {}

  /// Called by Session::post (client thread, queue_mutex_ held, before the command is queued):
  /// interrupts the step in progress when `c` will discard that run's state — RemoveRun or Reset
  /// of it, Reset of every run, Reseed, LoadScenario.
  void interrupt_for(const Command& c) {
    std::lock_guard<std::mutex> lock(stepping_mutex);
    if (stepping_run == 0) return;
    bool hit =
        std::holds_alternative<cmd::Reseed>(c) || std::holds_alternative<cmd::LoadScenario>(c);
    if (const auto* remove = std::get_if<cmd::RemoveRun>(&c)) hit = remove->run == stepping_run;
    if (const auto* reset = std::get_if<cmd::Reset>(&c))
      hit = !reset->run || *reset->run == stepping_run;
    if (hit) step_interrupt.request();
  }

  // -- helpers -----------------------------------------------------------------------------------
  void message(SessionMessage::Level level, std::string text) {
    messages.push_back({++message_sequence, level, std::move(text)});
    while (messages.size() > kMaxMessages) messages.pop_front();
    dirty = true;
  }
  void error(std::string text, Run* run = nullptr) {
    if (run) run->last_error = text;
    message(SessionMessage::Level::error, std::move(text));
  }
  Run* find(RunId id) {
    for (auto& r : runs)
      if (r->id() == id) return r.get();
    return nullptr;
  }
  std::uint64_t reference_seed() const {
    return derive_seed(scenario.seed, options.reference_seed_stream);
  }
  /// Builds a target inside the engine's arena (a formula's checks run a parallel loop).
  std::shared_ptr<const Target> build_target(const TargetSpec& spec) {
    std::shared_ptr<const Target> t;
    arena.execute([&] { t = make_target(spec); });
    return t;
  }
  /// A sampler for `m` in the current scenario: on the current target, or for the ebm task a
  /// trainer on the current problem (a PendingSampler while there is none).
  std::unique_ptr<Sampler> make(const MethodConfig& m, std::uint64_t seed);
  /// The same for a scenario of `task` on `target` and `problem` (ebm; null: a PendingSampler).
  std::unique_ptr<Sampler> make(const MethodConfig& m, std::uint64_t seed,
                                std::shared_ptr<const Target> target, Task task,
                                std::shared_ptr<const EbmProblem> problem);
  /// Builds the current ebm scenario's problem again (the seed changed: data redrawn, E_θ
  /// re-initialized) on the worker, and restarts every run on it. A failure is shown like a
  /// failed reference (runs wait).
  void rebuild_problem();
  /// Every ebm run continues training on the current problem (EbmTrainer::set_problem: new
  /// data or live settings; θ, chains and curves kept); a run that cannot (no trainer yet, or a
  /// new network) restarts, and a session that was running or finished then runs again.
  void continue_on_problem();
  void restart(Run& run) {
    const std::uint64_t seed = run_seed(scenario.seed, run.config().label);
    run.restart(make(run.config(), seed), seed);
    run.state_target = bundle.target;
    dirty = true;
  }
  std::string unique_label(std::string label, const Run* except = nullptr) const {
    if (label.empty()) label = "run";
    auto taken = [&](const std::string& l) {
      for (const auto& r : runs)
        if (r.get() != except && r->config().label == l) return true;
      return false;
    };
    if (!taken(label)) return label;
    for (int k = 2;; ++k) {
      const std::string candidate = label + " " + std::to_string(k);
      if (!taken(candidate)) return candidate;
    }
  }
  bool budget_done(const Run& r) const { return r.budget_reached(scenario.budget); }
  bool eligible(const Run& r) const {
    if (!reference_ready || !r.config().enabled || r.diverged() || budget_done(r)) return false;
    return (running && !r.held) || (r.step_until && r.iteration() < *r.step_until);
  }
  /// A pending cmd::Step can still advance some run (a run whose budget ran out, or that was
  /// disabled or diverged, before reaching its step target does not count).
  bool stepping() const {
    for (const auto& r : runs)
      if (r->step_until && r->config().enabled && !r->diverged() && !budget_done(*r)) return true;
    return false;
  }
  bool all_done() const {
    if (!reference_ready) return false;
    for (const auto& r : runs)
      if (r->config().enabled && !r->diverged() && !budget_done(*r)) return false;
    return true;
  }
  RunState state_of(const Run& r) const {
    if (r.diverged()) return RunState::diverged;
    if (!r.config().enabled) return RunState::disabled;
    if (budget_done(r)) return RunState::finished;
    if ((running && !r.held) || (r.step_until && r.iteration() < *r.step_until))
      return RunState::running;
    return RunState::paused;
  }
  MetricContext metric_context() const {
    MetricContext c;
    c.target = bundle.target.get();
    c.reference = bundle.reference.get();
    c.settings = &scenario.metrics;
    c.reference_samples = &bundle.reference_samples;
    c.ksd2_iid_mean = bundle.iid_mean;
    c.ksd2_u_iid_rms = bundle.iid_u_rms;
    c.max_curve_points = options.max_curve_points;
    return c;
  }
  void metric_pass(Run& r) {
    {
      ScopedWallCpuTimer timer(&timing.metric_seconds, &timing.cpu_metric_seconds);
      r.metric_pass(metric_context(), arena);
      if (options.on_metric_pass && !r.last_pass().values.empty())
        options.on_metric_pass(r.config().kind, r.config().label, r.last_pass());
    }
    if (r.diverged())
      message(SessionMessage::Level::warning, r.config().label + " diverged: " + r.status().reason);
    dirty = true;
  }
  /// Recomputes the reference draws and i.i.d. baseline for the current target (seed or metric
  /// settings changed). Runs on the worker; counted as metric time.
  void recompute_baseline();
  void launch_reference(const TargetSpec& spec, std::shared_ptr<const Target> target);
  void poll_reference();
  void launch_queued();
  /// Validates a modified copy of the scenario; reports and returns false when invalid.
  bool valid(const Scenario& candidate, const std::string& what);

  // -- commands ----------------------------------------------------------------------------------
  void apply(Command& command);
  void apply_one(cmd::Start&);
  void apply_one(cmd::Pause&);
  void apply_one(cmd::Step& c);
  void apply_one(cmd::Reset& c);
  void apply_one(cmd::Reseed& c);
  void apply_one(cmd::SetParam& c);
  void apply_one(cmd::AddRun& c);
  void apply_one(cmd::RemoveRun& c);
  void apply_one(cmd::SetRunEnabled& c);
  void apply_one(cmd::HoldRun& c);
  void apply_one(cmd::StepRun& c);
  void apply_one(cmd::SetLabel& c);
  void apply_one(cmd::ChangeTarget& c);
  void apply_one(cmd::SetBudget& c);
  void apply_one(cmd::SetMetrics& c);
  void apply_one(cmd::SetEbmSettings& c);
  void apply_one(cmd::LoadScenario& c);
  /// The scenario as it stands: the settings with one method per run (the runs' configs). For
  /// validating a settings change with no run left, `for_validation` keeps the methods last
  /// published (validation needs at least one).
  Scenario current_scenario(bool for_validation = false) const {
    Scenario s = scenario;
    s.methods.clear();
    for (const auto& r : runs) s.methods.push_back(r->config());
    if (for_validation && s.methods.empty() && scenario_published)
      s.methods = scenario_published->methods;
    return s;
  }

  /// Replaces target, reference and runs (synchronously; used at start and by LoadScenario).
  /// With `ready` (LoadScenario) the reference comes with it; without (start), the worker
  /// computes it first thing (compute_reference_now).
  void load(const Scenario& s, ReferenceBundle* ready = nullptr);
  /// Computes the reference of the current target on the worker (start, LoadScenario).
  void compute_reference_now();

  // -- scheduling --------------------------------------------------------------------------------
  Run* pick() {
    return scheduler.pick(runs, [this](const Run& r) { return eligible(r); });
  }
  void advance(Run& r) {
    const std::uint64_t evals_before = r.gradient_evals();
    double seconds = 0;  // the step's wall time as the run measures it
    {
      std::lock_guard<std::mutex> lock(stepping_mutex);
      stepping_run = r.id();
      step_interrupt.clear();
    }
    {
      ScopedWallCpuTimer timer(nullptr, &timing.cpu_sampler_seconds);
      seconds = r.step(arena);
      if (r.state_target != bundle.target) r.state_target = bundle.target;
    }
    {
      std::lock_guard<std::mutex> lock(stepping_mutex);
      stepping_run = 0;
    }
    timing.sampler_seconds += seconds;
    if (options.check_display_every_step) r.check_display(arena);  // overhead, not sampler time
    scheduler.charge(r, seconds, r.gradient_evals() - evals_before);
    if (r.step_until && r.iteration() >= *r.step_until) r.step_until.reset();
    if (r.diverged()) {
      r.step_until.reset();
      message(SessionMessage::Level::warning, r.config().label + " diverged at iteration " +
                                                  std::to_string(r.status().iteration) + ": " +
                                                  r.status().reason);
    } else if (r.metric_due(scenario.metrics, scenario.budget)) {
      metric_pass(r);
    }
    dirty = true;
  }

  // -- canvas views ------------------------------------------------------------------------------
  ViewSettings view_settings() const {
    ViewSettings v;
    v.display_points = options.display_points;
    v.display_interval = options.display_interval;
    v.overlay_interval = options.overlay_interval;
    v.view_time_fraction = options.view_time_fraction;
    return v;
  }
  void refresh_view(Run& r, double now, bool advancing, const ViewSettings& v) {
    bool diverged_now = false;
    double seconds = 0;  // the refresh's wall time as the run measures it
    {
      ScopedWallCpuTimer timer(nullptr, &timing.cpu_view_seconds);
      seconds = r.refresh_view(now, advancing, v, arena, diverged_now);
    }
    timing.view_seconds += seconds;
    timing.max_view_seconds = std::max(timing.max_view_seconds, seconds);
    ++timing.view_refreshes;
    if (diverged_now) {
      r.step_until.reset();
      message(SessionMessage::Level::warning, r.config().label + " diverged at iteration " +
                                                  std::to_string(r.status().iteration) + ": " +
                                                  r.status().reason);
    }
    dirty = true;
  }
  /// Refreshes canvas views (Run::view_overdue): every due view of a run that is not being
  /// stepped and every view never made yet; of the runs being stepped, only the single most
  /// overdue view (so the worker does one bounded piece of display work between two steps).
  void refresh_views(double now) {
    const ViewSettings v = view_settings();
    constexpr double kInf = std::numeric_limits<double>::infinity();
    Run* most = nullptr;
    double most_overdue = 0;
    for (auto& r : runs) {
      const bool advancing = eligible(*r);
      // A loop: a run can have two due views (display and overlay).
      for (int k = 0; k < 2; ++k) {
        const double overdue = r->view_overdue(now, advancing, v);
        if (overdue < 0) break;
        if (advancing && overdue < kInf) {
          if (!most || overdue > most_overdue) most = r.get(), most_overdue = overdue;
          break;
        }
        refresh_view(*r, now, advancing, v);
      }
    }
    if (most) refresh_view(*most, now, true, v);
  }

  // -- publication -------------------------------------------------------------------------------
  std::shared_ptr<const Snapshot> build(double now);
};

}  // namespace ss
