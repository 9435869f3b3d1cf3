// Run: one method inside a Session — a Sampler plus everything the engine keeps about it: seed,
// timers (sampler and metric time kept apart), divergence status, metric curves with all three cost
// axes, and the caches snapshots are built from. Owned and used by the worker thread only; the
// outside world sees a Run through RunSnapshot.
#pragma once

#include <tbb/task_arena.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/engine/curves.h"
#include "core/engine/snapshot.h"
#include "core/io/results.h"
#include "core/io/scenario.h"
#include "core/samplers/sampler.h"

namespace ss {

/// What a metric pass compares against (owned by the session; pointers stay valid during a pass).
struct MetricContext {
  const Target* target = nullptr;
  const GridReference* reference = nullptr;  ///< null: no reference metrics
  const MetricSettings* settings = nullptr;
  const Points* reference_samples = nullptr;  ///< i.i.d. reference draws (energy distance)
  double ksd2_iid_mean = 0;                   ///< NaN: not recorded
  double ksd2_u_iid_rms = 0;                  ///< `ksd2_imq_u_iid` line; NaN: not recorded
  int max_curve_points = 0;                   ///< see SessionOptions::max_curve_points
};

/// When a run's canvas views (display samples, overlay) are refreshed (see Run::refresh_view).
struct ViewSettings {
  int display_points = 4000;         ///< cap on display rows (evenly strided subset above it)
  double display_interval = 0;       ///< minimum seconds between display refreshes while running
  double overlay_interval = 0;       ///< minimum seconds between overlay refreshes while running
  double view_time_fraction = 0.02;  ///< a view's refreshes take at most this share of wall time
};

class Run {
 public:
  Run(RunId id, MethodConfig config, std::uint64_t seed, std::unique_ptr<Sampler> sampler);

  RunId id() const { return id_; }
  const MethodConfig& config() const { return config_; }
  std::uint64_t seed() const { return seed_; }
  Sampler& sampler() { return *sampler_; }
  const Sampler& sampler() const { return *sampler_; }

  void set_label(std::string label) { config_.label = std::move(label); }
  void set_enabled(bool enabled) { config_.enabled = enabled; }
  /// Records a knob override in the config (the sampler is updated by the caller).
  void set_param_override(const std::string& name, double value) { config_.params[name] = value; }

  /// Replaces the sampler with a fresh one (reset, reseed, needs_reset knob) and clears progress:
  /// timers, curves, status, caches.
  void restart(std::unique_ptr<Sampler> sampler, std::uint64_t seed);

  /// One sampler step inside `arena`, timed. Afterwards the run is diverged if the sampler says
  /// so or if step() threw — except Interrupted (core/common/interrupt.h): an interrupted step is
  /// abandoned (the sampler's state consistent, its iteration not advanced; Sampler::step) and
  /// the run stays as it was. Returns the step's wall seconds.
  double step(tbb::task_arena& arena);
  /// Marks the run diverged (and returns true) if any display sample is non-finite or escaped far
  /// outside the target's view box (escape_reason, core/targets/escape.h). Forces a
  /// lazily computed display set (a neural sampler's generator pass); used after every step when
  /// SessionOptions::check_display_every_step is set.
  bool check_display(tbb::task_arena& arena);

  bool diverged() const { return status_.diverged; }
  const SamplerStatus& status() const { return status_; }
  std::int64_t iteration() const { return sampler_->iteration(); }
  /// The cost axis (EvalCounters::cost: gradient evaluations; log-density evaluations for
  /// gradient-free methods).
  std::uint64_t gradient_evals() const { return sampler_->counters().cost(); }
  double sampler_seconds() const { return sampler_seconds_; }
  double metric_seconds() const { return metric_seconds_; }
  std::int64_t metric_evaluations() const { return metric_evaluations_; }

  /// The budget is used up: iteration ≥ amount, gradient_evals ≥ amount, or sampler seconds ≥
  /// amount.
  bool budget_reached(const Budget& budget) const;
  /// Progress towards the budget in [0, 1].
  double budget_fraction(const Budget& budget) const;
  /// A metric pass is due: none yet at this iteration, and the iteration is a multiple of
  /// `every` (0 included) or the budget is reached.
  bool metric_due(const MetricSettings& settings, const Budget& budget) const;
  /// Evaluates every metric on sampler.evaluation_samples(ksd_samples) and appends one point to
  /// each curve; the time goes to metric_seconds. A sampler of another task (the ebm task's
  /// trainers) whose custom_metrics() returns true has those values recorded instead of KSD,
  /// energy distance, mode coverage and chain diagnostics (its statistics() are still recorded,
  /// and its evaluation samples still checked and published — none is not a failure there: a
  /// negative sampler may have none before its first draw); an EbmTrainer's normalized
  /// log-density grid is kept for RunSnapshot::model_log_density. Evaluation samples that are
  /// non-finite or escaped (escape_reason, core/targets/escape.h; checked before the target sees
  /// them) mark the run diverged (no point is recorded then). Runs inside `arena`.
  void metric_pass(const MetricContext& context, tbb::task_arena& arena);
  /// Every value the latest metric pass recorded, in name order, with the pass's counters
  /// (empty values when it recorded nothing, e.g. its samples escaped). What the runner streams.
  const MetricPass& last_pass() const { return last_pass_; }

  /// How overdue the more overdue of this run's two canvas views is at steady-clock time `now`
  /// (seconds; negative or −inf: nothing due). A view is due when it was never made, or when the
  /// iteration changed since its last refresh and, if `advancing` (the run is being stepped), at
  /// least its interval has passed: display max(display_interval, cost / view_time_fraction),
  /// overlay max(overlay_interval, cost / view_time_fraction), cost = wall seconds of that view's
  /// previous refresh. So a running run's views lag its state by at most one interval and take
  /// at most view_time_fraction of wall time each; a stopped run's views are due at once.
  double view_overdue(double now, bool advancing, const ViewSettings& settings) const;
  /// Refreshes the more overdue view (display: a copy of Sampler::display_samples(), strided down
  /// to display_points rows; overlay: Sampler::fill_overlay) inside `arena`. A display sample that
  /// is non-finite or escaped (escape_reason, checked on every point, not only the strided ones)
  /// marks the run diverged (returns true in `diverged_now`). Returns wall seconds spent.
  double refresh_view(double now, bool advancing, const ViewSettings& settings,
                      tbb::task_arena& arena, bool& diverged_now);

  /// Builds this run's part of a snapshot from the cached views and curves (no sampler work; the
  /// views are whatever refresh_view made last, empty before the first refresh).
  void fill_snapshot(RunSnapshot& out, RunState state, const Budget& budget);

  // What commands asked of this run, set by the worker (fairness is the Scheduler's, scheduler.h).
  std::optional<std::int64_t> step_until;  ///< pending cmd::Step: advance up to this iteration
  bool held = false;                       ///< cmd::HoldRun: only step_until advances it
  std::string last_error;                  ///< shown in RunSnapshot::last_error
  /// The target the run's state was last made on (set when it is built, reset or stepped);
  /// RunSnapshot::state_target.
  std::shared_ptr<const Target> state_target;

 private:
  struct CurveData {
    CurvePoints points;
    CurveThinning thinning;
    CurvePublisher publisher;                // shares full chunks between publications
    std::shared_ptr<const Curve> published;  // null or stale when dirty
    bool dirty = true;
  };
  void record(const std::string& name, double value, int max_curve_points);
  void record_chain_diagnostics(const ChainWindow& window, int max_curve_points);
  void mark_diverged(std::string reason);

  RunId id_;
  MethodConfig config_;
  std::uint64_t seed_;
  std::unique_ptr<Sampler> sampler_;
  SamplerStatus status_;
  double sampler_seconds_ = 0, metric_seconds_ = 0;
  std::int64_t metric_evaluations_ = 0;
  std::int64_t last_metric_iteration_ = -1;

  std::map<std::string, CurveData> curves_;
  MetricPass last_pass_;
  std::vector<double> mode_fractions_;
  Points evaluation_samples_, evaluation_scores_;
  std::shared_ptr<const Points> published_evaluation_;
  std::vector<std::pair<std::string, double>> custom_values_;
  std::shared_ptr<const std::vector<float>> model_density_;
  int model_grid_n_ = 0;
  Box model_box_;
  std::int64_t model_iteration_ = -1;

  // Snapshot caches (the canvas views) and when/at what cost they were made.
  std::shared_ptr<const Points> display_cache_;
  std::int64_t display_cache_iteration_ = -1;
  double display_time_ = -1e300, display_cost_ = 0;
  std::shared_ptr<const SamplerOverlay> overlay_cache_;
  double overlay_time_ = -1e300, overlay_cost_ = 0;
  std::int64_t overlay_iteration_ = -1;
  double display_overdue(double now, bool advancing, const ViewSettings& settings) const;
  double overlay_overdue(double now, bool advancing, const ViewSettings& settings) const;
  double ips_anchor_seconds_ = 0, iterations_per_second_ = 0;
  std::int64_t ips_anchor_iteration_ = 0;
};

}  // namespace ss
