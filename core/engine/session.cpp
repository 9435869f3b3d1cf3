// Session (session.h): the two doors (post, snapshot), the worker loop, building runs' samplers
// and refreshing canvas views; the worker's other parts are in worker_*.cpp (worker.h).
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
#include "core/engine/worker.h"

namespace ss {

namespace {

constexpr std::size_t kMaxPublishCosts = 65536;

/// What an ebm run is before its scenario's problem exists (the worker builds the problem after
/// the grid reference): it holds the run's kind and knobs, shows nothing and never steps (a run
/// does not advance before the reference and problem are ready). Replaced by the real trainer
/// as soon as the problem is built. Also what a run is whose construction was interrupted (the
/// session stops: `interrupted`); its step() then throws Interrupted, which Run::step ignores.
class PendingSampler final : public Sampler {
 public:
  PendingSampler(std::shared_ptr<const Target> target, std::string kind, const ParamTable& table,
                 bool interrupted = false)
      : Sampler(std::move(target)),
        kind_(std::move(kind)),
        table_(&table),
        interrupted_(interrupted) {}
  std::string kind() const override { return kind_; }
  const ParamTable& param_table() const override { return *table_; }
  void reset(std::uint64_t seed) override {
    clear_progress();
    rng_.seed(seed);
  }
  void step() override {
    if (interrupted_) throw Interrupted();
    throw std::logic_error("the EBM's data are not ready yet");
  }
  void evaluation_samples(int, Points& out) override { out.resize(0, 2); }
  const Points& display_samples() const override { return none_; }

 private:
  std::string kind_;
  const ParamTable* table_;
  bool interrupted_;
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
// Building a run's sampler: on the current target, or for the ebm task a trainer on the problem.

std::unique_ptr<Sampler> Session::Worker::make(const MethodConfig& m, std::uint64_t seed) {
  return make(m, seed, bundle.target, scenario.task, bundle.problem);
}

std::unique_ptr<Sampler> Session::Worker::make(const MethodConfig& m, std::uint64_t seed,
                                               std::shared_ptr<const Target> target, Task task,
                                               std::shared_ptr<const EbmProblem> problem) {
  std::unique_ptr<Sampler> s;
  const auto placeholder = [&](bool interrupted) {
    auto pending = std::make_unique<PendingSampler>(
        target, m.kind, options.methods.param_table_for(task, m.kind), interrupted);
    pending->set_params(m.params);
    pending->reset(seed);
    return pending;
  };
  if (task == Task::ebm && !problem) return placeholder(false);
  // Construction checks only the session's stop (a flowMC's flow passes at large settings take
  // seconds): step_interrupt may still hold the request that cut the previous step.
  try {
    if (task == Task::ebm) {
      if (!options.methods.make_ebm)
        throw ParamError("kind", "this program has no ebm method '" + m.kind + "'");
      arena.execute(
          [&] { s = options.methods.make_ebm(m.kind, problem, m.params, seed, &stop_interrupt); });
    } else {
      arena.execute(
          [&] { s = options.methods.make(m.kind, target, m.params, seed, &stop_interrupt); });
    }
  } catch (const Interrupted&) {
    message(SessionMessage::Level::info, m.label + ": not built (the session stopped)");
    return placeholder(true);
  }
  s->set_interrupt(&step_interrupt);  // its long steps check it (Worker::interrupt_for)
  return s;
}

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
  worker_->stop_interrupt.request();
  queue_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Session::post(Command command) {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    // Under queue_mutex_: the worker has not taken this command yet, so a step it interrupts is
    // one whose state the command will discard (Worker::interrupt_for).
    worker_->interrupt_for(command);
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
    const ScopedWallCpuTimer timer(nullptr, nullptr);  // read below: each publication's cost
    std::shared_ptr<const Snapshot> snap = w.build(now);
    {
      std::lock_guard<std::mutex> lock(snapshot_mutex_);
      snapshot_.swap(snap);
      published_commands_ = w.applied_commands;
    }
    published_cv_.notify_all();
    snap.reset();
    const double spent = timer.wall_elapsed(), cpu = timer.cpu_elapsed();
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
