// The formula panel: type your own log density. A multi-line entry validated live (debounced:
// the formula is checked a moment after the last keystroke), the offending characters of an error
// underlined in the entry with the message right under it, warnings listed, a small preview heat
// map of the density on the box (64×64 cells, drawn with ImDrawList rectangles; non-finite cells in
// magenta), an "Examples" menu, and "Use" which runs the full check (core/targets/formula.h,
// check_formula) and hands back the TargetSpec {kind "formula", log_density, box}.
#pragma once

#include <string>
#include <vector>

#include "core/targets/formula.h"
#include "core/targets/target.h"

namespace ss::ui {

struct AppState;

/// Everything the panel keeps between frames. `text` and `box` may be set by the caller (e.g. to
/// the current formula target's spec); the panel notices the change and re-checks.
struct FormulaPanelState {
  std::string text = "a = 2.6;  # ring radius\n-(sqrt(x^2 + y^2) - a)^2 / 0.033";
  double box[4] = {-3.5, 3.5, -3.5, 3.5};  ///< xmin, xmax, ymin, ymax
  double debounce_seconds = 0.3;           ///< wait this long after the last edit before checking
  int live_grid_cells = 128;  ///< grid of the live check ("Use" runs the full 256-cell check)
  int preview_cells = 64;     ///< preview heat map resolution per side

  // Results, maintained by the panel (read-only for callers).
  FormulaCheck check;  ///< the last check of checked_text on checked_box
  std::string checked_text;
  Box checked_box;
  bool has_check = false;
  double last_edit_time = -1e300;  ///< ImGui time of the last edit
  std::vector<float> preview;  ///< preview_cells² values in [0, 1] (row 0 = ymin); < 0: non-finite
  std::string use_error;       ///< why the last "Use" was refused ("" if it was not)
};

/// True while an edit waits for its debounced check: keep redrawing until it has run (an
/// idle-aware main loop otherwise only re-checks on the next input event).
bool formula_panel_pending(const FormulaPanelState& state);

/// Checks state.text on state.box now (live grid) and recomputes the preview.
void refresh_formula_check(FormulaPanelState& state);

/// Draws the panel inside the current window. Returns true, with *out set to the formula's
/// TargetSpec, in the frame "Use" was pressed and the full check passed.
bool draw_formula_panel(FormulaPanelState& state, TargetSpec* out);

/// The panel wired to the app: pre-filled with the session's formula when the current target is
/// one, and "Use" posts ChangeTarget to the session. Its state lives in app.panels.formula
/// (app/ui/panel_state.h).
void draw_formula_panel(AppState& app);

}  // namespace ss::ui
