#include "app/ui/panel_state.h"

#include <algorithm>

namespace ss::ui {

namespace {

// Erases the entries of `m` whose key is not in `alive` (sorted) and appends their keys to `gone`.
template <class Map>
void erase_absent(Map& m, const std::vector<RunId>& alive, std::vector<RunId>& gone) {
  for (auto it = m.begin(); it != m.end();) {
    if (std::binary_search(alive.begin(), alive.end(), it->first)) {
      ++it;
      continue;
    }
    gone.push_back(it->first);
    it = m.erase(it);
  }
}

}  // namespace

std::vector<RunId> forget_removed_runs(PanelState& panels, const Snapshot& s) {
  std::vector<RunId> alive;
  alive.reserve(s.runs.size());
  for (const RunSnapshot& r : s.runs) alive.push_back(r.id);
  std::sort(alive.begin(), alive.end());
  std::vector<RunId> gone;
  CanvasUploads& u = panels.canvas.uploads;
  erase_absent(panels.canvas.layers, alive, gone);
  erase_absent(u.overlays, alive, gone);
  erase_absent(u.overlay_max, alive, gone);
  erase_absent(u.arrows, alive, gone);
  erase_absent(u.models, alive, gone);
  erase_absent(panels.slow_motion.runs, alive, gone);
  std::sort(gone.begin(), gone.end());
  gone.erase(std::unique(gone.begin(), gone.end()), gone.end());
  return gone;
}

}  // namespace ss::ui
