// Publication (worker.h): a snapshot assembled from the runs' caches with no lock held; Session's
// worker loop swaps it in (session.cpp).
#include "core/engine/worker.h"

#include <algorithm>
#include <limits>

namespace ss {

std::shared_ptr<const Snapshot> Session::Worker::build(double now) {
  auto snap = std::make_shared<Snapshot>();
  snap->version = ++version;
  snap->running = running || stepping();
  snap->finished = all_done() && !stepping();
  if (scenario_dirty || !scenario_published) {
    scenario_published = std::make_shared<const Scenario>(current_scenario());
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

}  // namespace ss
