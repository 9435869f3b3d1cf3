// Snapshot: an immutable picture of a Session that the worker publishes by pointer swap and any
// thread reads without waiting (Session::snapshot()). Everything a UI frame or the runner needs is
// in here; nothing in it is ever modified after publication, so it can be read freely and kept as
// long as wanted (large parts such as curves, overlays and sample sets are shared_ptr<const ...>
// and shared between consecutive snapshots when unchanged).
//
// Self-consistency (checked by tests/engine/session_test.cpp): versions strictly increase; run ids
// are unique; every curve's points are in increasing iteration order and none lies beyond the
// run's current iteration; display_samples has at most SessionOptions::display_points rows and
// display_iteration ≤ iteration.
//
// Cost of a publication (the worker builds it between two steps): a Snapshot and its RunSnapshot
// headers are new objects each time (strings, knob maps, curve maps of shared pointers), but no
// sampler code runs while building it and bulky data is never copied for it: display sets and
// overlays are made beforehand by separate, rate-limited view refreshes and shared; of a curve
// that a metric pass appended to since the last publication only the points after its last full
// chunk are copied (see Curve).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/common/params.h"
#include "core/common/types.h"
#include "core/engine/commands.h"
#include "core/io/scenario.h"
#include "core/samplers/sampler.h"
#include "core/targets/grid_reference.h"
#include "core/targets/target.h"

namespace ss {

/// One point of a metric curve, with all three cost axes.
struct CurvePoint {
  std::int64_t iteration = 0;
  std::uint64_t gradient_evals = 0;
  double sampler_seconds = 0;  ///< wall time spent inside the run's steps so far (metrics excluded)
  double value = 0;
};

/// A metric curve as the worker grows it: points in increasing iteration order (see curves.h).
using CurvePoints = std::vector<CurvePoint>;

/// A published metric curve: points in increasing iteration order, read-only. On long runs old
/// points are decimated (see SessionOptions::max_curve_points): the newest half stays exact, older
/// points are thinned.
///
/// Storage: immutable chunks of kChunk points (every chunk full except the last) shared through
/// shared_ptr, so a snapshot published after one more point shares every full chunk with the
/// previous one and copies at most kChunk points (until a decimation rewrites the old points).
/// The interface is the read-only part of std::vector: size, empty, operator[] (O(1)), front,
/// back, and forward iteration.
class Curve {
 public:
  static constexpr std::size_t kChunk = 256;
  using Chunk = std::vector<CurvePoint>;

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = CurvePoint;
    using difference_type = std::ptrdiff_t;
    using pointer = const CurvePoint*;
    using reference = const CurvePoint&;
    const_iterator() = default;
    const_iterator(const Curve* curve, std::size_t index) : curve_(curve), index_(index) {}
    reference operator*() const { return (*curve_)[index_]; }
    pointer operator->() const { return &(*curve_)[index_]; }
    const_iterator& operator++() {
      ++index_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++index_;
      return old;
    }
    bool operator==(const const_iterator& o) const { return index_ == o.index_; }
    bool operator!=(const const_iterator& o) const { return index_ != o.index_; }

   private:
    const Curve* curve_ = nullptr;
    std::size_t index_ = 0;
  };
  using iterator = const_iterator;
  using value_type = CurvePoint;

  Curve() = default;
  /// A curve made of `chunks`; every chunk but the last must hold exactly kChunk points and none
  /// may be null or empty (throws std::invalid_argument otherwise).
  explicit Curve(std::vector<std::shared_ptr<const Chunk>> chunks);
  /// A curve holding a copy of `points` (chunked).
  static Curve from_points(const CurvePoints& points);

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  /// Point i (0 ≤ i < size(), unchecked).
  const CurvePoint& operator[](std::size_t i) const { return (*chunks_[i / kChunk])[i % kChunk]; }
  const CurvePoint& front() const { return (*this)[0]; }
  const CurvePoint& back() const { return (*this)[size_ - 1]; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }
  /// The shared chunks (for tests and for callers that want to detect unchanged parts).
  const std::vector<std::shared_ptr<const Chunk>>& chunks() const { return chunks_; }

 private:
  std::vector<std::shared_ptr<const Chunk>> chunks_;
  std::size_t size_ = 0;
};

/// What a run is doing.
enum class RunState {
  running,   ///< advancing (session started, budget left)
  paused,    ///< budget left, session paused
  finished,  ///< budget reached
  disabled,  ///< cmd::SetRunEnabled{false}
  diverged,  ///< state turned non-finite or a step failed; see RunSnapshot::status
};

/// Name of a run state ("running", "paused", "finished", "disabled", "diverged").
const char* run_state_name(RunState state);

struct RunSnapshot {
  RunId id = 0;
  std::string label;
  std::string kind;
  bool enabled = true;
  bool held = false;  ///< cmd::HoldRun (slow motion): advanced only by StepRun
  RunState state = RunState::paused;
  ParamValues params;      ///< resolved knob values (defaults merged with overrides)
  std::uint64_t seed = 0;  ///< the run's own seed (derived from the scenario seed and label)
  SamplerStatus status;    ///< diverged flag, iteration and reason
  std::int64_t iteration = 0;
  EvalCounters counters;
  double sampler_seconds = 0;           ///< wall time inside step() since the last reset
  double metric_seconds = 0;            ///< wall time in metric passes since the last reset
  std::int64_t metric_evaluations = 0;  ///< number of metric passes since the last reset
  double iterations_per_second = 0;     ///< iterations / sampler_seconds over the recent window
  double budget_fraction = 0;           ///< progress towards the budget in [0, 1]

  /// The canvas points (at most SessionOptions::display_points rows; an evenly strided subset when
  /// the sampler shows more), as of iteration display_iteration. Never null. While the run is
  /// being stepped the points lag its state by at most one refresh interval
  /// (SessionOptions::display_interval, stretched for costly display sets such as a neural
  /// sampler's generator pass so that refreshing takes ≤ view_time_fraction of the time); once the
  /// run stops (paused, finished, diverged, disabled) the next snapshot shows its current state.
  /// Unchanged views are the same shared object in consecutive snapshots.
  std::shared_ptr<const Points> display_samples;
  /// Iteration at which display_samples were taken (−1: none yet, display_samples is empty).
  std::int64_t display_iteration = -1;
  /// Overlay drawn on the canvas; refreshed like display_samples but at most every
  /// SessionOptions::overlay_interval. Never null (may be empty).
  std::shared_ptr<const SamplerOverlay> overlay;
  /// The sample set of the latest metric pass (ksd_samples points); null before the first pass.
  std::shared_ptr<const Points> evaluation_samples;

  /// Metric name → curve. Names: ksd2_imq, ksd2_imq_iid, ksd2_imq_u (KSD² U-statistic, ksd.h
  /// ksd_imq().u), ksd2_imq_u_iid (its i.i.d. line, Snapshot::ksd2_u_iid_rms), energy_distance,
  /// mode_tv, modes_missed,
  /// and the sampler's statistics (loss, accept_local, accept_global, step_size, ...). Each value
  /// is the core/metrics function of the pass's evaluation samples: ksd2_imq (ksd.h),
  /// energy_distance (energy_distance.h) against the reference set, mode_coverage (mode_coverage.h)
  /// total_variation and modes_missed.
  std::map<std::string, std::shared_ptr<const Curve>> curves;
  /// The latest value of every curve above, in name order.
  std::vector<std::pair<std::string, double>> latest;
  /// Fraction of the latest evaluation samples in each mode region (index = region id of the
  /// reference the pass used; ModeCoverage::sample_fraction); empty before the first pass or when
  /// mode coverage is off.
  std::vector<double> mode_fractions;
  /// The last error about this run (a rejected command, a failed step); "" when none.
  std::string last_error;
  /// The ebm task: the learned model's normalized log density log p_θ at the cell centres of a
  /// model_grid_n × model_grid_n grid over model_box (row-major, index iy * n + ix: the
  /// GridReference layout; Σ exp(log p_θ)·cell area = 1), as of the metric pass at
  /// model_iteration (EbmTrainer::log_density_grid). Null before the first pass and for sampling
  /// runs. Shared, unchanged, between snapshots until the next pass.
  std::shared_ptr<const std::vector<float>> model_log_density;
  int model_grid_n = 0;
  Box model_box;
  std::int64_t model_iteration = -1;
  /// The target the run's samples and curves were made on: Snapshot::target once the run was
  /// stepped or reset after a target change; an older target when the run had finished (or was
  /// paused) before the change and has not moved since, i.e. its samples are stale.
  std::shared_ptr<const Target> state_target;
};

/// A session-level message (errors from commands, target changes, completion).
struct SessionMessage {
  enum class Level { info, warning, error };
  std::uint64_t sequence = 0;  ///< increasing; lets a UI show each message once
  Level level = Level::info;
  std::string text;
};

/// Timing of the worker thread since the session started, for the load meter and benchmarks.
/// Engine overhead (what the ≤ 5 % goal of the engine is about) is everything the worker does
/// that is neither a sampler step nor a metric pass nor a grid-reference computation (a one-off
/// setup, like building the samplers): publications, canvas view refreshes, commands, scheduling
/// and bookkeeping.
struct WorkerTiming {
  double busy_seconds = 0;         ///< wall time not spent waiting for commands
  double sampler_seconds = 0;      ///< inside Sampler::step()
  double metric_seconds = 0;       ///< inside metric passes (incl. the i.i.d. baseline)
  double reference_seconds = 0;    ///< computing grid references on the worker (start, load)
  double publish_seconds = 0;      ///< building and swapping snapshots
  double max_publish_seconds = 0;  ///< the longest single publication
  std::uint64_t publications = 0;
  double view_seconds = 0;      ///< refreshing canvas views (display samples, overlays)
  double max_view_seconds = 0;  ///< the longest single view refresh
  std::uint64_t view_refreshes = 0;
  /// The same split in CPU time of the worker thread (CLOCK_THREAD_CPUTIME_ID), which other
  /// processes on a busy machine do not inflate. It is the whole cost when the session's arena
  /// has one thread (SessionOptions::threads = 1, the default on 2 cores); with more threads the
  /// TBB workers' share of steps and metric passes is not in it.
  double cpu_busy_seconds = 0, cpu_sampler_seconds = 0, cpu_metric_seconds = 0,
         cpu_reference_seconds = 0, cpu_publish_seconds = 0, cpu_view_seconds = 0;
  double max_publish_cpu_seconds = 0;  ///< the largest CPU time of one publication

  /// Engine overhead in wall time: busy − sampler − metric − reference.
  double overhead_seconds() const {
    return busy_seconds - sampler_seconds - metric_seconds - reference_seconds;
  }
  /// Engine overhead in worker-thread CPU time.
  double cpu_overhead_seconds() const {
    return cpu_busy_seconds - cpu_sampler_seconds - cpu_metric_seconds - cpu_reference_seconds;
  }
};

/// The cost of one publication (building a snapshot and swapping it in), see
/// Session::publish_costs().
struct PublishCost {
  double wall_seconds = 0;
  double cpu_seconds = 0;  ///< worker-thread CPU time
};

struct Snapshot {
  std::uint64_t version = 0;  ///< strictly increasing per session, 1 for the first snapshot
  bool running = false;       ///< started and not paused (a pending Step counts as running)
  /// Every enabled run is finished or diverged (and no command is waiting): nothing left to do.
  bool finished = false;
  /// The scenario as applied so far (edits, added runs, target changes included): what "Save"
  /// writes.
  std::shared_ptr<const Scenario> scenario;
  /// The target the runs are sampling and its ground truth. `reference` is null until the first
  /// reference is computed. `target_pending` is set while a ChangeTarget reference is computing.
  std::shared_ptr<const Target> target;
  std::shared_ptr<const GridReference> reference;
  bool target_pending = false;
  /// Why the grid reference of the current target could not be computed (e.g. its normalizer is
  /// not finite), or in an ebm scenario why its data could not be made (e.g. a CSV row that is
  /// not two numbers); "" when fine. Runs do not advance without a reference (and problem).
  std::string reference_error;
  /// The scenario field reference_error is about, as a JSON pointer: "/target" or "/data".
  std::string reference_error_field;
  /// What the runs do (Scenario::task). In an ebm scenario `target` and `reference` are the data
  /// distribution (the heat map shows the data density) and `problem` is what every run trains
  /// on (data, test set, normalization grid); null until built and for sample scenarios.
  Task task = Task::sample;
  std::shared_ptr<const EbmProblem> problem;
  /// KSD² (IMQ, V-statistic) of i.i.d. reference samples at n = ksd_samples: mean and standard
  /// deviation over MetricSettings::iid_draws draws (ksd2_imq_iid_baseline, core/metrics/
  /// iid_baseline.h; seed: SessionOptions::reference_seed_stream); NaN until computed.
  double ksd2_iid_mean = 0, ksd2_iid_std = 0;
  /// KSD² (IMQ, U-statistic) of the same i.i.d. draws: mean (≈ 0, the U-statistic is unbiased),
  /// standard deviation and root mean square. The `ksd2_imq_u_iid` line is the rms (the typical
  /// |KSD²_U| of exact samples at this n). NaN until computed.
  double ksd2_u_iid_mean = 0, ksd2_u_iid_std = 0, ksd2_u_iid_rms = 0;

  std::vector<RunSnapshot> runs;  ///< in run order (scenario order, added runs at the end)

  /// The most recent messages (at most 64), oldest first.
  std::vector<SessionMessage> messages;
  /// Fraction of wall time the worker was busy over the last second, in [0, 1].
  double worker_load = 0;
  WorkerTiming timing;

  /// The run with this id, or nullptr.
  const RunSnapshot* find_run(RunId id) const;
  /// The run with this label, or nullptr.
  const RunSnapshot* find_run(const std::string& label) const;
};

}  // namespace ss
