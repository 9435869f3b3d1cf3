#include "core/engine/session.h"

#include <tbb/task_arena.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <limits>
#include <optional>
#include <set>

#include "core/common/error_text.h"
#include "core/ebm/trainer.h"
#include "core/engine/run.h"
#include "core/metrics/iid_baseline.h"

namespace ss {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr size_t kMaxMessages = 64;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// CPU time of the calling thread, seconds.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

constexpr std::size_t kMaxPublishCosts = 65536;

// ThreadSanitizer builds (SS_SANITIZE=thread, the tsan preset) give every engine arena one
// thread. Debian's libtbb is not instrumented, so TSan cannot see the synchronization inside TBB's
// work stealing and reports the task objects and loop bodies it hands between threads as races
// (tests_engine: 222 such reports, every one with TBB scheduler frames). With one thread per arena
// TBB runs each parallel loop on the calling thread, so what TSan checks is exactly the engine's
// own concurrency: worker, client threads and the reference computation of a target change.
#if defined(__SANITIZE_THREAD__)
constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool kThreadSanitizer = true;
#else
constexpr bool kThreadSanitizer = false;
#endif
#else
constexpr bool kThreadSanitizer = false;
#endif

int arena_threads(int requested) {
  if (kThreadSanitizer) return 1;
  if (requested > 0) return requested;
  const int cores = int(std::thread::hardware_concurrency());
  return std::max(1, cores - 1);
}

/// What an ebm scenario's problem is made from (make_ebm_problem's arguments besides the target).
struct ProblemRequest {
  bool ebm = false;  // false: a sample scenario, no problem
  DataSettings data;
  EbmSettings settings;
  std::uint64_t seed = 0;  // the scenario seed
  std::function<std::shared_ptr<const EbmProblem>(
      std::shared_ptr<const Target>, const DataSettings&, const EbmSettings&, std::uint64_t)>
      make;
};

/// The problem could not be made from the scenario's data: reported with the field "/data".
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

ProblemRequest problem_request(const Scenario& s, const MethodCatalog& catalog) {
  ProblemRequest q;
  q.ebm = s.task == Task::ebm;
  q.data = s.data;
  q.settings = s.ebm;
  q.seed = s.seed;
  q.make = catalog.make_problem;
  return q;
}

/// Builds the problem of `q` for `target` (call inside the engine's arena). Throws DataError.
std::shared_ptr<const EbmProblem> build_problem(const ProblemRequest& q,
                                                std::shared_ptr<const Target> target) {
  if (!q.make) throw DataError("this program cannot build EBM problems (no ebm methods)");
  try {
    return q.make(std::move(target), q.data, q.settings, q.seed);
  } catch (const std::exception& e) {
    throw DataError("cannot make the EBM's data: " + error_text(e));
  }
}

/// A target with everything derived from it that the metrics need.
struct ReferenceBundle {
  TargetSpec spec;
  std::shared_ptr<const Target> target;
  std::shared_ptr<const GridReference> reference;
  /// An ebm scenario's problem (data drawn from `target`, or read from data.csv); null otherwise.
  std::shared_ptr<const EbmProblem> problem;
  Points reference_samples;  // energy-distance reference set, ksd_samples rows
  double iid_mean = kNaN, iid_std = kNaN;
  double iid_u_mean = kNaN, iid_u_std = kNaN, iid_u_rms = kNaN;  // KSD²_U of the same draws
  std::uint64_t seed = 0;  // what the draws above were made with
  MetricSettings metrics;
};

/// Reference draws and the i.i.d. KSD baseline for `bundle`'s reference (seeded: reproducible).
/// The energy-distance reference set is drawn with Rng(derive_seed(seed, 0)); the baseline is
/// ksd2_imq_iid_baseline(reference, ksd_samples, iid_draws, derive_seed(seed, 1)) (metrics library,
/// so the engine's `ksd2_imq_iid` line is exactly that function's value); the U-statistic line
/// comes from the same draws (ksd_imq_iid_baselines).
void compute_baseline(ReferenceBundle& bundle, const MetricSettings& metrics, std::uint64_t seed) {
  bundle.seed = seed;
  bundle.metrics = metrics;
  const int n = metrics.ksd_samples;
  Rng rng(derive_seed(seed, 0));
  bundle.reference->sample(n, rng, bundle.reference_samples);
  const KsdIidBaselines baseline =
      ksd_imq_iid_baselines(*bundle.reference, n, metrics.iid_draws, derive_seed(seed, 1));
  bundle.iid_mean = baseline.v.mean;
  bundle.iid_std = baseline.v.stddev;
  bundle.iid_u_mean = baseline.u.mean;
  bundle.iid_u_std = baseline.u.stddev;
  bundle.iid_u_rms = baseline.u.rms;
}

/// The reference of `target`, and then either the i.i.d. baseline (sample scenarios) or the
/// EBM problem (ebm scenarios: the sampling metrics are not computed, so neither is their
/// baseline; a failure to make the problem throws DataError).
ReferenceBundle compute_bundle(const TargetSpec& spec, std::shared_ptr<const Target> target,
                               int resolution, const MetricSettings& metrics, std::uint64_t seed,
                               const ProblemRequest& problem) {
  ReferenceBundle b;
  b.spec = spec;
  b.target = std::move(target);
  b.reference = GridReference::compute(b.target, resolution);
  if (problem.ebm) {
    b.seed = seed;
    b.metrics = metrics;
    b.problem = build_problem(problem, b.target);
  } else {
    compute_baseline(b, metrics, seed);
  }
  return b;
}

/// What an ebm run is before its scenario's problem exists (the worker builds the problem after
/// the grid reference): it holds the run's kind and knobs, shows nothing and never steps (a run
/// does not advance before the reference and problem are ready). Replaced by the real trainer
/// as soon as the problem is built.
class PendingSampler final : public Sampler {
 public:
  PendingSampler(std::shared_ptr<const Target> target, std::string kind, const ParamTable& table)
      : Sampler(std::move(target)), kind_(std::move(kind)), table_(&table) {}
  std::string kind() const override { return kind_; }
  const ParamTable& param_table() const override { return *table_; }
  void reset(std::uint64_t seed) override {
    clear_progress();
    rng_.seed(seed);
  }
  void step() override { throw std::logic_error("the EBM's data are not ready yet"); }
  void evaluation_samples(int, Points& out) override { out.resize(0, 2); }
  const Points& display_samples() const override { return none_; }

 private:
  std::string kind_;
  const ParamTable* table_;
  Points none_ = Points(0, 2);
};

}  // namespace

std::uint64_t fnv1a64(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t run_seed(std::uint64_t scenario_seed, const std::string& label) {
  return derive_seed(scenario_seed, fnv1a64(label));
}

// ------------------------------------------------------------------------------------------------

struct Session::Worker {
  SessionOptions options;
  Scenario scenario;  // target, seed, budget, metrics; methods are rebuilt from runs on publish
  std::shared_ptr<const Scenario> scenario_published;
  bool scenario_dirty = true;

  ReferenceBundle bundle;  // target always set; reference null until ready
  bool reference_ready = false;
  std::string reference_error, reference_error_field;
  std::future<ReferenceBundle> pending;   // a ChangeTarget computing
  std::optional<TargetSpec> queued_spec;  // a newer ChangeTarget waiting for `pending`
  bool restart_on_target = false;         // a pending/queued ChangeTarget asked for a restart

  std::vector<std::unique_ptr<Run>> runs;
  RunId next_id = 1;
  size_t round_robin_next = 0;
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
      : options(std::move(o)), arena(arena_threads(options.threads)) {}

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
  std::unique_ptr<Sampler> make(const MethodConfig& m, std::uint64_t seed) {
    return make(m, seed, bundle.target, scenario.task, bundle.problem);
  }
  /// The same for a scenario of `task` on `target` and `problem` (ebm; null: a PendingSampler).
  std::unique_ptr<Sampler> make(const MethodConfig& m, std::uint64_t seed,
                                std::shared_ptr<const Target> target, Task task,
                                std::shared_ptr<const EbmProblem> problem) {
    std::unique_ptr<Sampler> s;
    if (task == Task::ebm) {
      if (!problem) {
        auto pending = std::make_unique<PendingSampler>(
            target, m.kind, options.methods.param_table_for(Task::ebm, m.kind));
        pending->set_params(m.params);
        pending->reset(seed);
        return pending;
      }
      if (!options.methods.make_ebm)
        throw ParamError("kind", "this program has no ebm method '" + m.kind + "'");
      arena.execute([&] { s = options.methods.make_ebm(m.kind, problem, m.params, seed); });
      return s;
    }
    arena.execute([&] { s = options.methods.make(m.kind, target, m.params, seed); });
    return s;
  }
  /// Builds the current ebm scenario's problem again (the seed changed: data redrawn, E_θ
  /// re-initialized) on the worker, and restarts every run on it. A failure is shown like a
  /// failed reference (runs wait).
  void rebuild_problem() {
    if (scenario.task != Task::ebm || !bundle.reference) return;
    const double t0 = now_seconds(), c0 = thread_cpu_seconds();
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
    timing.reference_seconds += now_seconds() - t0;
    timing.cpu_reference_seconds += thread_cpu_seconds() - c0;
    dirty = true;
  }
  /// Every ebm run continues training on the current problem (EbmTrainer::set_problem: new
  /// data or live settings; θ, chains and curves kept); a run that cannot (no trainer yet, or a
  /// new network) restarts, and a session that was running or finished then runs again.
  void continue_on_problem() {
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
    const double t0 = now_seconds(), c0 = thread_cpu_seconds();
    r.metric_pass(metric_context(), arena);
    if (options.on_metric_pass && !r.last_pass().values.empty())
      options.on_metric_pass(r.config().kind, r.config().label, r.last_pass());
    timing.metric_seconds += now_seconds() - t0;
    timing.cpu_metric_seconds += thread_cpu_seconds() - c0;
    if (r.diverged())
      message(SessionMessage::Level::warning, r.config().label + " diverged: " + r.status().reason);
    dirty = true;
  }
  /// Recomputes the reference draws and i.i.d. baseline for the current target (seed or metric
  /// settings changed). Runs on the worker; counted as metric time.
  void recompute_baseline() {
    if (!bundle.reference || scenario.task == Task::ebm) return;
    const double t0 = now_seconds(), c0 = thread_cpu_seconds();
    try {
      arena.execute([&] { compute_baseline(bundle, scenario.metrics, reference_seed()); });
    } catch (const std::exception& e) {
      error(std::string("i.i.d. baseline failed: ") + e.what());
    }
    timing.metric_seconds += now_seconds() - t0;
    timing.cpu_metric_seconds += thread_cpu_seconds() - c0;
    dirty = true;
  }
  void launch_reference(const TargetSpec& spec, std::shared_ptr<const Target> target) {
    const int resolution = options.reference_resolution;
    const MetricSettings metrics = scenario.metrics;
    const std::uint64_t seed = reference_seed();
    const int threads = arena_threads(options.threads);
    const ProblemRequest problem = problem_request(scenario, options.methods);
    pending =
        std::async(std::launch::async, [spec, target, resolution, metrics, seed, threads, problem] {
          tbb::task_arena a(threads);
          ReferenceBundle b;
          a.execute([&] { b = compute_bundle(spec, target, resolution, metrics, seed, problem); });
          return b;
        });
    dirty = true;
  }
  void poll_reference() {
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
        if (bundle.seed != reference_seed() || !bundle.problem ||
            bundle.problem->ebm != scenario.ebm)
          rebuild_problem();
        std::string at;
        for (const auto& r : runs)
          at += (at.empty() ? "" : ", ") + r->config().label + " at " +
                std::to_string(r->iteration());
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
  void launch_queued() {
    if (!queued_spec) return;
    TargetSpec spec = std::move(*queued_spec);
    queued_spec.reset();
    try {
      launch_reference(spec, build_target(spec));
    } catch (const std::exception& e) {
      error(std::string("target change failed: ") + e.what());
    }
  }
  /// Validates a modified copy of the scenario; reports and returns false when invalid.
  bool valid(const Scenario& candidate, const std::string& what) {
    try {
      validate_scenario(candidate, what, options.methods);
      return true;
    } catch (const ScenarioError& e) {
      error(e.what());
      return false;
    }
  }
  void sync_methods() {
    scenario.methods.clear();
    for (const auto& r : runs) scenario.methods.push_back(r->config());
  }

  // -- commands ----------------------------------------------------------------------------------
  void apply(Command& command) {
    std::visit([this](auto& c) { apply_one(c); }, command);
    dirty = true;
  }
  void apply_one(cmd::Start&) {
    running = true;
    finished_announced = false;
  }
  void apply_one(cmd::Pause&) {
    running = false;
    for (auto& r : runs) r->step_until.reset();
  }
  void apply_one(cmd::Step& c) {
    if (c.iterations < 1) return error("step: iterations must be at least 1");
    for (auto& r : runs)
      if (r->config().enabled && !r->diverged()) r->step_until = r->iteration() + c.iterations;
  }
  void apply_one(cmd::Reset& c) {
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
  void apply_one(cmd::Reseed& c) {
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
  void apply_one(cmd::SetParam& c) {
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
  void apply_one(cmd::AddRun& c) {
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
  void apply_one(cmd::RemoveRun& c) {
    auto it =
        std::find_if(runs.begin(), runs.end(), [&](const auto& r) { return r->id() == c.run; });
    if (it == runs.end()) return error("remove run: no run with id " + std::to_string(c.run));
    runs.erase(it);
    round_robin_next = 0;
    scenario_dirty = true;
  }
  void apply_one(cmd::SetRunEnabled& c) {
    Run* r = find(c.run);
    if (!r) return error("enable run: no run with id " + std::to_string(c.run));
    r->set_enabled(c.enabled);
    if (!c.enabled) r->step_until.reset();
    scenario_dirty = true;
  }
  void apply_one(cmd::HoldRun& c) {
    Run* r = find(c.run);
    if (!r) return error("hold run: no run with id " + std::to_string(c.run));
    r->held = c.held;
    if (c.held) r->step_until.reset();
  }
  void apply_one(cmd::StepRun& c) {
    Run* r = find(c.run);
    if (!r) return error("step run: no run with id " + std::to_string(c.run));
    if (c.iterations < 1) return error("step run: iterations must be at least 1");
    if (r->config().enabled && !r->diverged()) r->step_until = r->iteration() + c.iterations;
  }
  void apply_one(cmd::SetLabel& c) {
    Run* r = find(c.run);
    if (!r) return error("rename run: no run with id " + std::to_string(c.run));
    if (c.label.empty()) return error("rename run: the label must not be empty", r);
    if (unique_label(c.label, r) != c.label)
      return error("rename run: label '" + c.label + "' is already used", r);
    r->set_label(c.label);
    scenario_dirty = true;
  }
  void apply_one(cmd::ChangeTarget& c) {
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
  void apply_one(cmd::SetBudget& c) {
    Scenario candidate = scenario;
    sync_methods_into(candidate);
    candidate.budget = c.budget;
    if (!valid(candidate, "budget")) return;
    scenario.budget = c.budget;
    scenario_dirty = true;
    finished_announced = false;
  }
  void apply_one(cmd::SetMetrics& c) {
    Scenario candidate = scenario;
    sync_methods_into(candidate);
    candidate.metrics = c.metrics;
    if (!valid(candidate, "metrics")) return;
    const bool baseline = c.metrics.ksd_samples != scenario.metrics.ksd_samples ||
                          c.metrics.iid_draws != scenario.metrics.iid_draws;
    scenario.metrics = c.metrics;
    scenario_dirty = true;
    if (baseline) recompute_baseline();
  }
  void apply_one(cmd::SetEbmSettings& c) {
    if (scenario.task != Task::ebm) return error("EBM settings: only in an ebm scenario");
    Scenario candidate = scenario;
    sync_methods_into(candidate);
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
  void apply_one(cmd::LoadScenario& c) {
    if (!valid(c.scenario, c.scenario.name.empty() ? "scenario" : c.scenario.name)) return;
    // The new target's reference first: a scenario whose ground truth cannot be computed is
    // refused and the current one goes on, rather than leaving runs that can never start.
    ReferenceBundle fresh;
    const double t0 = now_seconds(), c0 = thread_cpu_seconds();
    try {
      std::shared_ptr<const Target> target = build_target(c.scenario.target);
      const ProblemRequest problem = problem_request(c.scenario, options.methods);
      arena.execute([&] {
        fresh = compute_bundle(
            c.scenario.target, std::move(target), options.reference_resolution, c.scenario.metrics,
            derive_seed(c.scenario.seed, options.reference_seed_stream), problem);
      });
    } catch (const std::exception& e) {
      error("cannot open scenario '" + c.scenario.name + "': " + e.what() +
            "; the current scenario stays");
      return;
    }
    timing.reference_seconds += now_seconds() - t0;
    timing.cpu_reference_seconds += thread_cpu_seconds() - c0;
    try {
      load(c.scenario, &fresh);
      message(SessionMessage::Level::info, "loaded scenario '" + c.scenario.name + "'");
    } catch (const std::exception& e) {
      error("cannot open scenario '" + c.scenario.name + "': " + e.what());
    }
  }
  void sync_methods_into(Scenario& s) const {
    s.methods.clear();
    for (const auto& r : runs) s.methods.push_back(r->config());
    if (s.methods.empty()) s.methods = scenario.methods;  // validation needs at least one
  }

  /// Replaces target, reference and runs (synchronously; used at start and by LoadScenario).
  /// With `ready` (LoadScenario) the reference comes with it; without (start), the worker
  /// computes it first thing (compute_reference_now).
  void load(const Scenario& s, ReferenceBundle* ready = nullptr) {
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
    round_robin_next = 0;
    scenario_dirty = true;
    dirty = true;
  }
  /// Computes the reference of the current target on the worker (start, LoadScenario).
  void compute_reference_now() {
    const double t0 = now_seconds(), c0 = thread_cpu_seconds();
    try {
      const ProblemRequest problem = problem_request(scenario, options.methods);
      arena.execute([&] {
        bundle = compute_bundle(bundle.spec, bundle.target, options.reference_resolution,
                                scenario.metrics, reference_seed(), problem);
      });
      reference_ready = true;
      reference_error.clear();
      reference_error_field.clear();
      // ebm: the runs were PendingSamplers; now they become trainers on the problem.
      if (scenario.task == Task::ebm)
        for (auto& r : runs) restart(*r);
    } catch (const DataError& e) {
      reference_error = e.what();
      reference_error_field = "/data";
      error(reference_error);
    } catch (const std::exception& e) {
      reference_error = std::string("cannot compute the target's grid reference: ") + e.what();
      reference_error_field = "/target";
      error(reference_error);
    }
    timing.reference_seconds += now_seconds() - t0;
    timing.cpu_reference_seconds += thread_cpu_seconds() - c0;
    dirty = true;
  }

  // -- scheduling --------------------------------------------------------------------------------
  Run* pick() {
    double floor_time = std::numeric_limits<double>::infinity();
    for (const auto& r : runs)
      if (r->was_candidate && eligible(*r)) floor_time = std::min(floor_time, r->virtual_time);
    Run* best = nullptr;
    for (auto& r : runs) {
      const bool e = eligible(*r);
      if (e && !r->was_candidate && std::isfinite(floor_time))
        r->virtual_time = std::max(r->virtual_time, floor_time);
      r->was_candidate = e;
    }
    if (options.scheduling == Scheduling::round_robin) {
      for (size_t k = 0; k < runs.size(); ++k) {
        const size_t i = (round_robin_next + k) % runs.size();
        if (runs[i]->was_candidate) {
          round_robin_next = i + 1;
          return runs[i].get();
        }
      }
      return nullptr;
    }
    for (auto& r : runs)
      if (r->was_candidate && (!best || r->virtual_time < best->virtual_time)) best = r.get();
    return best;
  }
  void advance(Run& r) {
    const std::uint64_t evals_before = r.gradient_evals();
    const double c0 = thread_cpu_seconds();
    const double seconds = r.step(arena);
    if (r.state_target != bundle.target) r.state_target = bundle.target;
    timing.cpu_sampler_seconds += thread_cpu_seconds() - c0;
    timing.sampler_seconds += seconds;
    if (options.check_display_every_step) r.check_display(arena);  // overhead, not sampler time
    if (options.scheduling == Scheduling::gradient_evals)
      r.virtual_time += double(std::max<std::uint64_t>(1, r.gradient_evals() - evals_before));
    else
      r.virtual_time += seconds;
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
    const double c0 = thread_cpu_seconds();
    bool diverged_now = false;
    const double seconds = r.refresh_view(now, advancing, v, arena, diverged_now);
    timing.cpu_view_seconds += thread_cpu_seconds() - c0;
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
  std::shared_ptr<const Snapshot> build(double now) {
    auto snap = std::make_shared<Snapshot>();
    snap->version = ++version;
    snap->running = running || stepping();
    snap->finished = all_done() && !stepping();
    if (scenario_dirty || !scenario_published) {
      sync_methods();
      scenario_published = std::make_shared<const Scenario>(scenario);
      scenario_dirty = false;
    }
    snap->scenario = scenario_published;
    snap->target = bundle.target;
    snap->reference = reference_ready ? bundle.reference : nullptr;
    snap->target_pending = pending.valid();
    snap->reference_error = reference_error;
    snap->reference_error_field = reference_error_field;
    snap->task = scenario.task;
    snap->problem = reference_ready ? bundle.problem : nullptr;
    snap->ksd2_iid_mean = reference_ready ? bundle.iid_mean : kNaN;
    snap->ksd2_iid_std = reference_ready ? bundle.iid_std : kNaN;
    snap->ksd2_u_iid_mean = reference_ready ? bundle.iid_u_mean : kNaN;
    snap->ksd2_u_iid_std = reference_ready ? bundle.iid_u_std : kNaN;
    snap->ksd2_u_iid_rms = reference_ready ? bundle.iid_u_rms : kNaN;
    snap->runs.resize(runs.size());
    for (size_t i = 0; i < runs.size(); ++i)
      runs[i]->fill_snapshot(snap->runs[i], state_of(*runs[i]), scenario.budget);
    snap->messages.assign(messages.begin(), messages.end());
    // Load over a window of at least 0.5 s.
    const double busy = (now - start_time) - waited_seconds;
    if (now - load_window_start >= 0.5) {
      load_fraction = std::clamp((busy - load_window_busy) / (now - load_window_start), 0.0, 1.0);
      load_window_start = now;
      load_window_busy = busy;
    }
    snap->worker_load = load_fraction;
    timing.busy_seconds = busy;
    if (on_worker) timing.cpu_busy_seconds = thread_cpu_seconds() - cpu_start;
    snap->timing = timing;
    return snap;
  }
};

// ------------------------------------------------------------------------------------------------

Session::Session(Scenario scenario, SessionOptions options) : options_(std::move(options)) {
  worker_ = std::make_unique<Worker>(options_);
  Worker& w = *worker_;
  // Validation builds the target (a formula's checks run a parallel loop): inside the engine's
  // arena like every other parallel step, so a ThreadSanitizer build stays on one thread.
  w.arena.execute([&] { validate_scenario(scenario, "<session>", options_.methods); });
  try {
    w.load(scenario);
  } catch (const ScenarioError&) {
    throw;
  } catch (const std::exception& e) {
    throw ScenarioError("<session>", "", "cannot build the scenario: " + error_text(e));
  }
  // Timing starts after the samplers are built: construction is setup, not engine overhead.
  w.start_time = w.load_window_start = now_seconds();
  w.refresh_views(now_seconds());
  snapshot_ = w.build(now_seconds());
  thread_ = std::thread([this] { worker_main(); });
}

Session::~Session() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    stop_ = true;
  }
  queue_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Session::post(Command command) {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    queue_.push_back(std::move(command));
    ++posted_;
  }
  queue_cv_.notify_one();
}

std::shared_ptr<const Snapshot> Session::snapshot() const {
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  return snapshot_;
}

Scenario Session::scenario() const {
  return *snapshot()->scenario;
}

std::vector<PublishCost> Session::publish_costs() const {
  std::lock_guard<std::mutex> lock(cost_mutex_);
  if (publish_costs_.size() < kMaxPublishCosts) return publish_costs_;
  std::vector<PublishCost> out(publish_costs_.begin() + std::ptrdiff_t(publish_cost_next_),
                               publish_costs_.end());
  out.insert(out.end(), publish_costs_.begin(),
             publish_costs_.begin() + std::ptrdiff_t(publish_cost_next_));
  return out;
}

std::shared_ptr<const Snapshot> Session::sync() {
  std::uint64_t target;
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    target = posted_;
  }
  queue_cv_.notify_one();
  std::unique_lock<std::mutex> lock(snapshot_mutex_);
  published_cv_.wait(lock, [&] { return published_commands_ >= target; });
  return snapshot_;
}

std::shared_ptr<const Snapshot> Session::wait_finished(double timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(std::max(0.0, timeout_seconds)));
  for (;;) {
    std::uint64_t posted;
    {
      std::lock_guard<std::mutex> lock(queue_mutex_);
      posted = posted_;
    }
    std::unique_lock<std::mutex> lock(snapshot_mutex_);
    auto done = [&] { return published_commands_ >= posted && snapshot_->finished; };
    if (done()) return snapshot_;
    if (timeout_seconds > 0) {
      if (published_cv_.wait_until(lock, deadline) == std::cv_status::timeout) return snapshot_;
    } else {
      published_cv_.wait(lock);
    }
  }
}

void Session::worker_main() {
  Worker& w = *worker_;
  w.on_worker = true;
  w.cpu_start = thread_cpu_seconds();
  {
    std::lock_guard<std::mutex> lock(cost_mutex_);
    publish_costs_.reserve(4096);
  }
  // Build the snapshot with no lock held, swap one pointer under the lock, and let the previous
  // snapshot go (if no reader holds it, that frees it) after the lock is released.
  auto publish = [&](double now) {
    const double t0 = now_seconds(), c0 = thread_cpu_seconds();
    std::shared_ptr<const Snapshot> snap = w.build(now);
    {
      std::lock_guard<std::mutex> lock(snapshot_mutex_);
      snapshot_.swap(snap);
      published_commands_ = w.applied_commands;
    }
    published_cv_.notify_all();
    snap.reset();
    const double spent = now_seconds() - t0, cpu = thread_cpu_seconds() - c0;
    w.timing.publish_seconds += spent;
    w.timing.max_publish_seconds = std::max(w.timing.max_publish_seconds, spent);
    w.timing.cpu_publish_seconds += cpu;
    w.timing.max_publish_cpu_seconds = std::max(w.timing.max_publish_cpu_seconds, cpu);
    ++w.timing.publications;
    w.last_publish = now;
    w.dirty = false;
    std::lock_guard<std::mutex> lock(cost_mutex_);
    if (publish_costs_.size() < kMaxPublishCosts)
      publish_costs_.push_back({spent, cpu});
    else
      publish_costs_[publish_cost_next_] = {spent, cpu};
    publish_cost_next_ = (publish_cost_next_ + 1) % kMaxPublishCosts;
  };

  w.compute_reference_now();
  w.refresh_views(now_seconds());
  publish(now_seconds());

  std::vector<Command> commands;
  for (;;) {
    commands.clear();
    {
      std::lock_guard<std::mutex> lock(queue_mutex_);
      if (stop_) break;
      while (!queue_.empty()) {
        commands.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    for (auto& c : commands) w.apply(c);
    w.applied_commands += commands.size();
    w.poll_reference();

    // Metric passes that are due without a step (iteration 0 after a reset, a grown budget...).
    if (w.reference_ready)
      for (auto& r : w.runs)
        if (r->config().enabled && r->metric_due(w.scenario.metrics, w.scenario.budget))
          w.metric_pass(*r);

    Run* next = w.pick();
    if (next) w.advance(*next);
    // Pause as soon as the last run finishes, so no snapshot says finished and running at once.
    if (w.running && w.all_done()) {
      w.running = false;
      if (!w.finished_announced)
        w.message(SessionMessage::Level::info, "all runs reached their budget");
      w.finished_announced = true;
    }

    // Canvas views: one bounded refresh between two steps while runs advance, all due ones
    // otherwise (Worker::refresh_views).
    w.refresh_views(now_seconds());

    const double now = now_seconds();
    if (w.dirty && now - w.last_publish >= options_.snapshot_interval) publish(now);
    if (next) continue;

    // Idle: wait for a command, the next allowed publication, or a pending reference.
    std::unique_lock<std::mutex> lock(queue_mutex_);
    if (stop_ || !queue_.empty()) continue;
    double wait = 3600;
    if (w.dirty) wait = std::max(0.0, w.last_publish + options_.snapshot_interval - now);
    if (w.pending.valid()) wait = std::min(wait, 0.01);
    const double t0 = now_seconds();
    queue_cv_.wait_for(lock, std::chrono::duration<double>(wait));
    w.waited_seconds += now_seconds() - t0;
  }
}

}  // namespace ss
