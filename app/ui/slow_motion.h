// Slow motion (issue 18): one chain of a chain method is followed and each of its moves is
// animated on the method's canvas over a chosen number of frames — the RWMH/MALA proposal point,
// the HMC leapfrog path, the NUTS tree growing in both directions and the point it chose —
// accepted in the method's colour, rejected in grey, with the acceptance probability. The worker
// records the move of the followed chain into the run's overlay (SamplerOverlay::proposal); the UI
// only animates what it receives.
//
// Two modes per run: "one move per animation" holds the run (cmd::HoldRun: the other methods go
// on at full speed) and advances it by one iteration (cmd::StepRun) each time an animation ends,
// so every move of the followed chain is shown and all of that run's chains wait; "continue" lets
// the run go on at full speed and animates the newest recorded move each time one ends.
// Divergent HMC/NUTS transitions (SamplerOverlay::divergences) are marked on the canvas with red
// crosses whether slow motion is on or not.
#pragma once

#include <imgui.h>

#include <string>

#include "app/plot/canvas_view.h"
#include "app/ui/app_state.h"

namespace ss::ui {

/// Whether runs of `kind` record a ProposalTrace (the chain methods except ULA and flowMC).
bool slow_motion_supported(const std::string& kind);
/// The settings of a run (defaults when never set). Settings and animations live in
/// app.panels.slow_motion (SlowMotionSettings: app/ui/panel_state.h).
SlowMotionSettings slow_motion_settings(const AppState& app, RunId run);
/// Turns slow motion of `run` on/off with these settings, posting HoldRun as needed.
void set_slow_motion(AppState& app, RunId run, const SlowMotionSettings& settings);

/// Controls for one run (checkbox, speed slider, mode); nothing for unsupported kinds.
void draw_slow_motion_controls(AppState& app, const RunSnapshot& run);
/// Per frame on run k's canvas: advances the animation (posting StepRun when a held run's move
/// has been shown) and draws it, plus the divergence marks.
void draw_slow_motion_canvas(AppState& app, const RunSnapshot& run, int k,
                             const plot::CanvasTransform& t, ImDrawList* dl);

/// What an animation shows at progress f ∈ [0, 1] of its frames (pure; tested headless): the
/// path rows drawn so far, and whether the outcome (chosen point, accepted/rejected, α) is shown.
struct TraceFrame {
  int rows_visible = 0;
  double tip = 0;  ///< RWMH/MALA: fraction of the segment start → proposal drawn
  bool show_outcome = false;
};
TraceFrame trace_frame(const ProposalTrace& trace, double progress);
/// One-line description, e.g. "HMC chain 0: 12 leapfrog steps, α 0.83, accepted".
std::string trace_caption(const std::string& kind, const ProposalTrace& trace);

}  // namespace ss::ui
