// Widgets generated from parameter tables (core/common/params.h): one widget per knob — a combo
// for enumerations, a checkbox for 0/1 integer knobs, a (log) slider otherwise — each with its
// help text, range and "applies at reset" note as a tooltip. The same code serves targets and
// methods, so a knob declared once in a table shows up in the UI with no extra code.
#pragma once

#include <imgui.h>

#include <string>

#include "core/common/params.h"

namespace ss::ui {

struct ParamEdits;  // app/ui/panel_state.h

/// Shows the tooltip `text` when the last item is hovered (wrapped at a readable width).
void item_tooltip(const char* text);
inline void item_tooltip(const std::string& text) {
  item_tooltip(text.c_str());
}

/// Draws the widget for `def` showing `current`. While the user drags or types, the widget keeps
/// its own value (in `edits`, AppState::panels.param_edits); when the edit is finished (mouse
/// released, Enter, combo choice) it returns true and sets `committed` to the new value, clamped
/// to [min, max] and rounded for integer knobs.
bool param_widget(ParamEdits& edits, const ParamDef& def, double current, double& committed);

/// Draws the widgets of a whole table with `values` (missing names show the default). Returns true
/// when one knob was committed; `name`/`value` then say which and to what.
bool param_table_widgets(ParamEdits& edits, const ParamTable& table, const ParamValues& values,
                         std::string& name, double& value);

/// The tooltip text of a knob: help, range, default, and whether it needs a reset.
std::string param_tooltip(const ParamDef& def);

}  // namespace ss::ui
