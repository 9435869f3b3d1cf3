#include "core/engine/snapshot.h"

namespace ss {

const char* run_state_name(RunState state) {
  switch (state) {
    case RunState::running:
      return "running";
    case RunState::paused:
      return "paused";
    case RunState::finished:
      return "finished";
    case RunState::disabled:
      return "disabled";
    case RunState::diverged:
      return "diverged";
  }
  return "paused";
}

const RunSnapshot* Snapshot::find_run(RunId id) const {
  for (const auto& r : runs)
    if (r.id == id) return &r;
  return nullptr;
}

const RunSnapshot* Snapshot::find_run(const std::string& label) const {
  for (const auto& r : runs)
    if (r.label == label) return &r;
  return nullptr;
}

}  // namespace ss
