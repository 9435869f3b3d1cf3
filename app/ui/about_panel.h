// The "About samplescope" panel: what the program is, versions of the libraries it runs on.
#pragma once

namespace ss::ui {

/// Draws the About window; `open` is cleared when the user closes it.
void draw_about_panel(bool* open);

}  // namespace ss::ui
