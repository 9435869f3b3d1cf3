// The status bar (bottom line): frame time, iterations per second of each method, worker load,
// snapshot version, and the latest message or run error in words.
#pragma once

#include <string>

#include "app/ui/app_state.h"

namespace ss::ui {

/// Draws the status bar into the current window (one line). The latest message is cut to the
/// room left so an error's "dismiss" button always stays on screen.
void draw_status_bar(AppState& app);

}  // namespace ss::ui
