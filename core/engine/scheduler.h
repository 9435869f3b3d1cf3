// Scheduler: which run the Session's worker steps next (SessionOptions::scheduling). It keeps the
// fairness state of every run — the virtual time a run has consumed and whether it was eligible
// at the previous decision — by run id, apart from the runs themselves; the worker says which
// runs may advance (eligible) and charges each step it makes.
//
// Policies: wall_time — the eligible run with the least virtual time (sampler wall seconds) goes
// next; gradient_evals — the same with gradient evaluations (at least 1 per step); round_robin —
// one step of each eligible run in run order. A run that becomes eligible (activated, resumed,
// added) starts level with the others: its virtual time is raised to the least virtual time of
// the runs that were already eligible, so it does not monopolize the worker to catch up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/engine/run.h"

namespace ss {

/// How the worker shares its time between runs.
enum class Scheduling {
  /// The run with the least sampler wall time goes next (a newly activated run starts level with
  /// the others), so methods progress fairly in wall time. The GUI default.
  wall_time,
  /// The run with the fewest gradient evaluations goes next (ties: run order).
  gradient_evals,
  /// One step of each run in run order, over and over. Timing-independent; the runner uses it.
  round_robin,
};

class Scheduler {
 public:
  explicit Scheduler(Scheduling policy) : policy_(policy) {}

  /// The run to step next among `runs` (ties: run order), or null when none is eligible.
  Run* pick(const std::vector<std::unique_ptr<Run>>& runs,
            const std::function<bool(const Run&)>& eligible);
  /// Charges one step of `run` that took `seconds` of sampler wall time and `evals` gradient
  /// evaluations (EvalCounters::cost).
  void charge(const Run& run, double seconds, std::uint64_t evals);
  /// The run list changed (a run removed): round robin starts over at the first run.
  void restart_order() { round_robin_next_ = 0; }
  /// Forgets every run (a new scenario's runs start with no history).
  void clear() {
    fairness_.clear();
    round_robin_next_ = 0;
  }
  void forget(RunId id) { fairness_.erase(id); }

 private:
  struct Fairness {
    double virtual_time = 0;     ///< wall seconds or gradient evals consumed
    bool was_candidate = false;  ///< was eligible at the previous scheduling decision
  };
  Scheduling policy_;
  std::unordered_map<RunId, Fairness> fairness_;
  std::size_t round_robin_next_ = 0;
};

}  // namespace ss
