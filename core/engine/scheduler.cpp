#include "core/engine/scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ss {

Run* Scheduler::pick(const std::vector<std::unique_ptr<Run>>& runs,
                     const std::function<bool(const Run&)>& eligible) {
  double floor_time = std::numeric_limits<double>::infinity();
  for (const auto& r : runs) {
    const Fairness& f = fairness_[r->id()];
    if (f.was_candidate && eligible(*r)) floor_time = std::min(floor_time, f.virtual_time);
  }
  for (const auto& r : runs) {
    Fairness& f = fairness_[r->id()];
    const bool e = eligible(*r);
    if (e && !f.was_candidate && std::isfinite(floor_time))
      f.virtual_time = std::max(f.virtual_time, floor_time);
    f.was_candidate = e;
  }
  if (policy_ == Scheduling::round_robin) {
    for (std::size_t k = 0; k < runs.size(); ++k) {
      const std::size_t i = (round_robin_next_ + k) % runs.size();
      if (fairness_[runs[i]->id()].was_candidate) {
        round_robin_next_ = i + 1;
        return runs[i].get();
      }
    }
    return nullptr;
  }
  Run* best = nullptr;
  double best_time = 0;
  for (const auto& r : runs) {
    const Fairness& f = fairness_[r->id()];
    if (f.was_candidate && (!best || f.virtual_time < best_time)) {
      best = r.get();
      best_time = f.virtual_time;
    }
  }
  return best;
}

void Scheduler::charge(const Run& run, double seconds, std::uint64_t evals) {
  Fairness& f = fairness_[run.id()];
  if (policy_ == Scheduling::gradient_evals)
    f.virtual_time += double(std::max<std::uint64_t>(1, evals));
  else
    f.virtual_time += seconds;
}

}  // namespace ss
