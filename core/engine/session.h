// Session: the engine. It owns the target, its grid reference and the runs (one Sampler each plus
// its metric recorders), and one worker thread that advances the runs, applies commands between
// steps and publishes immutable snapshots. The GUI and the headless runner are thin clients:
// they post commands and read snapshots; nothing else crosses threads.
//
//   Session session(load_scenario("assets/scenarios/default.json"));
//   session.post(cmd::Start{});
//   auto snap = session.snapshot();   // any thread, never blocks on the worker
//
// Worker loop: take queued commands and apply them; pick the next run (SessionOptions::scheduling)
// and call its step() inside a tbb::task_arena of SessionOptions::threads threads; when the run's
// iteration hits a multiple of MetricSettings::every (and at iteration 0 and when its budget is
// reached) run a metric pass, timed separately; refresh canvas views (display samples, overlays:
// at most one view of a running run between two steps, each view rate-limited by display_interval
// / overlay_interval and by its own cost via view_time_fraction; a stopped run's views at once);
// publish a snapshot when at least snapshot_interval has passed since the last one (so
// ≤ 1/snapshot_interval per second, and one after every step that ends later than that: ~every
// 33 ms while running, step length permitting). Publication runs no sampler code: it assembles the
// new snapshot from per-run caches (unchanged curves, views and sample sets are shared, not
// copied), with no lock held, then swaps one pointer under a mutex held only for the swap; the
// previous snapshot is released after the mutex. WorkerTiming (in every snapshot) and
// publish_costs() account for all of this.
//
// The ebm task (Scenario::task, issue 15): the reference is the data distribution's, as for a
// sample scenario (the heat map shows the data density); after it the worker builds the
// EbmProblem (MethodCatalog::make_problem with the scenario seed, inside the arena; a failure,
// e.g. a bad data.csv, is shown as Snapshot::reference_error with reference_error_field "/data",
// and nothing runs) and makes every run a trainer on it (MethodCatalog::make_ebm; until then a
// run holds a placeholder that never steps). A trainer's custom_metrics() replace the sampling
// metrics, and its learned density reaches RunSnapshot::model_log_density. A target change or a
// reseed rebuilds the problem (data redrawn, E_θ re-initialized) and restarts every run (running
// on if the session was running or finished); LoadScenario switches tasks in either direction.
//
// Seeds: run r is seeded with derive_seed(scenario.seed, fnv1a64(label of r)), so a run's
// trajectory depends only on the scenario seed, its label, kind and params — not on the other
// runs, the scheduling, the number of threads or timing. Metric passes happen at fixed iterations
// and use seeded reference draws, so with a budget in iterations or gradient evaluations every
// curve value and sample set is reproducible (only the wall-time axis varies).
//
// Divergence: after each step the sampler's own status is read (every built-in sampler checks its
// state each step) and a step that throws marks the run diverged; so does the shared escape check
// (core/targets/escape.h: a point non-finite or beyond kEscapeBoxMultiple × the view box) on the
// display samples (at each view refresh, or after every step with check_display_every_step) and on
// the evaluation samples at every metric pass, before the target or a metric sees them — so a run
// whose samples a metric pass recorded or the runner wrote is never `ok` with samples far outside
// the box. A diverged run stops with a reason; the others go on.
//
// Interruption (issue 19, core/common/interrupt.h): every long step and reference computation
// checks a stop request between its inner iterations. post() requests one for the step in
// progress when the command would discard that run's state — RemoveRun or Reset of that run, a
// Reset of every run, Reseed, LoadScenario — so such a command takes effect within one inner
// iteration instead of after a step that can last minutes at large settings (a flowMC epoch on
// 10⁷ examples); the destructor requests one for whatever runs (a step, the grid reference, the
// i.i.d. baseline), and so does SessionOptions::interrupt (the runner's SIGINT handler). An
// interrupted step is abandoned (Sampler::step: state consistent, iteration not advanced, the run
// neither diverged nor marked); an interrupted start-up reference leaves the runs waiting, with no
// error. Only steps whose state is about to be dropped, or of a session that stops, are
// interrupted, so no trajectory that goes on was ever cut.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/engine/commands.h"
#include "core/engine/scheduler.h"
#include "core/engine/snapshot.h"
#include "core/io/results.h"
#include "core/io/scenario.h"
#include "core/methods/catalog.h"

namespace ss {

struct SessionOptions {
  /// Threads for inner loops (TBB arena); 0 = max(1, hardware cores − 1). Always 1 in a
  /// ThreadSanitizer build (see session.cpp: libtbb is not instrumented).
  int threads = 0;
  Scheduling scheduling = Scheduling::wall_time;
  /// Minimum time between two publications, seconds (1/30: at most 30 snapshots per second).
  double snapshot_interval = 1.0 / 30.0;
  /// Minimum time between two display-sample refreshes of a run that is being stepped, seconds
  /// (RunSnapshot::display_samples; a stopped run's display is refreshed at once).
  double display_interval = 1.0 / 30.0;
  /// Minimum time between two overlay refreshes of a run that is being stepped (fill_overlay can
  /// cost more than a copy), seconds.
  double overlay_interval = 0.1;
  /// Cap on the share of wall time one view (display or overlay) of one run may take: a view
  /// whose last refresh took c seconds waits at least c / view_time_fraction before the next
  /// (DFT's 1000-point generator pass: ~1.3 ms → ~15 refreshes/s). ≤ 0: no cap.
  double view_time_fraction = 0.02;
  /// Also run the escape check on every run's display samples after every step. Off (the
  /// default), the display is checked whenever it is refreshed and the evaluation samples at
  /// every metric pass, and a sampler's own divergence report is read after every step; every
  /// built-in sampler reports non-finite state itself in the step it happens, so their
  /// divergence iteration is exact either way. On, a sampler that does not self-report is also
  /// caught at the exact step, at the price of computing lazily made display sets every step
  /// (a neural sampler's generator pass: ~25 % of a DFT step).
  bool check_display_every_step = false;
  /// Cap on RunSnapshot::display_samples rows.
  int display_points = 4000;
  /// Curves longer than this are thinned (newest half exact, the older part every k-th pass of
  /// the whole history, see curves.h); 0 keeps every point (memory grows with every pass).
  int max_curve_points = 4096;
  /// Called on the worker thread after every metric pass that recorded values, with the run's
  /// kind, label and the pass (every value, name order, unthinned). The runner streams
  /// metrics.csv from it, so its memory stays bounded while the file gets every pass. Must not
  /// call into the session; its time counts as metric time.
  std::function<void(const std::string& kind, const std::string& label, const MetricPass& pass)>
      on_metric_pass;
  /// Cells per side of the grid reference.
  int reference_resolution = 512;
  /// Extra seed for the reference draws, mixed with the scenario seed: with
  /// r = derive_seed(scenario.seed, reference_seed_stream), the energy-distance reference set is
  /// drawn with Rng(derive_seed(r, 0)) and Snapshot::ksd2_iid_mean/std are
  /// ksd2_imq_iid_baseline(reference, ksd_samples, iid_draws, derive_seed(r, 1)).
  std::uint64_t reference_seed_stream = 0x5eed;
  /// Where method kinds come from (default: the sampler registry); tests plug in toy samplers.
  MethodCatalog methods = MethodCatalog::registry();
  /// An outside stop request (the runner's SIGINT/SIGTERM handler): once requested, every step
  /// and reference computation in progress or started later stops at its next check (see
  /// "Interruption" above). Must outlive the session. Null: none.
  const Interrupt* interrupt = nullptr;
};

class Session {
 public:
  /// Validates the scenario (throws ScenarioError, source "<session>", before any thread starts),
  /// builds the target and the runs (paused), and starts the worker, which first computes the grid
  /// reference and the i.i.d. baseline. Runs do not advance before the reference is ready.
  explicit Session(Scenario scenario, SessionOptions options = {});
  /// Stops the worker (the current step or reference computation is interrupted at its next
  /// check) and joins it. Pending commands are dropped.
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Queues a command (thread-safe; holds a mutex only to push and notify). A command that
  /// discards the state of the run being stepped interrupts that step (see "Interruption").
  void post(Command command);
  /// The newest snapshot (thread-safe; a mutex held only to copy one shared_ptr). Never null: a
  /// first snapshot exists when the constructor returns.
  std::shared_ptr<const Snapshot> snapshot() const;
  /// The scenario as applied by the worker so far (same as snapshot()->scenario, copied).
  Scenario scenario() const;

  /// Blocks until every command posted before this call has been applied and a snapshot
  /// reflecting them is published; returns that snapshot.
  std::shared_ptr<const Snapshot> sync();
  /// Blocks until the session is finished (every enabled run finished or diverged, no command
  /// waiting) or `timeout_seconds` pass (≤ 0: no limit). Returns the newest snapshot; check its
  /// `finished`.
  std::shared_ptr<const Snapshot> wait_finished(double timeout_seconds = 0);

  const SessionOptions& options() const { return options_; }

  /// The cost of each of the worker's publications so far, oldest first (the last 65 536 at
  /// most). For benchmarks: the wall time includes preemption by other processes, the CPU time
  /// does not.
  std::vector<PublishCost> publish_costs() const;

 private:
  struct Worker;  // the worker thread's state and its parts (worker.h)
  void worker_main();

  SessionOptions options_;
  std::unique_ptr<Worker> worker_;

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_cv_;  // worker waits here when idle
  std::deque<Command> queue_;
  std::uint64_t posted_ = 0;   // commands posted so far
  std::uint64_t applied_ = 0;  // commands applied (and published) so far
  bool stop_ = false;

  mutable std::mutex snapshot_mutex_;
  std::condition_variable published_cv_;  // sync()/wait_finished() wait here
  std::shared_ptr<const Snapshot> snapshot_;
  std::uint64_t published_commands_ = 0;  // commands applied before the newest snapshot was built

  mutable std::mutex cost_mutex_;           // guards publish_costs_ (worker appends, others copy)
  std::vector<PublishCost> publish_costs_;  // ring of the last kMaxPublishCosts
  std::size_t publish_cost_next_ = 0;

  std::thread thread_;
};

/// FNV-1a 64-bit hash of a string (used to derive run seeds from labels; stable across platforms).
std::uint64_t fnv1a64(const std::string& text);

/// The seed of a run labelled `label` in a scenario seeded with `scenario_seed`.
std::uint64_t run_seed(std::uint64_t scenario_seed, const std::string& label);

}  // namespace ss
