// Script player: replays a small text file of UI actions against the real app, so tests and the
// documentation's screenshots drive the same code a person does (`samplescope --script FILE`).
//
// One action per line; words separated by spaces; `#` starts a comment. Coordinates are world
// coordinates on a canvas; CANVAS is a method label (use quotes-free labels) or `first`.
//
//   wait N                      render N frames (at most 60 a second, so at least N/60 s)
//   idle SECONDS                let the loop run as it does for a person (no forced frames: it
//                               draws only on input or engine changes) for SECONDS of wall time;
//                               with --perf the process's CPU use over that time is printed
//   wait_iterations N [SECONDS] wait until every enabled run reached iteration N (default limit
//                               120 s; an error when the limit passes)
//   play | pause | reset        run controls
//   step [N]                    step every run N iterations (default 1)
//   reseed SEED
//   budget iterations|gradient_evals|seconds AMOUNT
//   task sample|ebm             switch the task: ebm opens the gallery's EBM scenario
//                               (ebm_2to1.json), sample the default scenario (no-op when the
//                               session has that task already)
//   target KIND                 switch to a built-in target with its defaults (ebm: the data's)
//   target_param NAME VALUE     set one knob of the current target
//   param LABEL NAME VALUE      set one knob of the method labelled LABEL
//   add KIND | remove LABEL     add a method / remove one (ebm kinds in an ebm scenario)
//   open FILE                   open a scenario file
//   colormap NAME               viridis, magma, inferno, plasma, grey
//   show density|samples|overlays|marginals|contours|data on|off   (data: the ebm task's data)
//   heatmap learned|data|difference   what the ebm canvases' heat map shows
//   ebm_setting NAME VALUE      ebm task: learning_rate, batch, persistent, l2 or
//                               max_log_density_range of the shared EBM (live: runs continue)
//   data_csv PATH|target        ebm task: train on the points of a CSV file (box: their bounding
//                               square + 10 %), or on data drawn from the target again
//   axis iterations|gradient_evals|seconds
//   drag CANVAS X0 Y0 X1 Y1 [FRAMES]  press the left button at (X0, Y0), move to (X1, Y1) over
//                               FRAMES frames (default 20) and release: real mouse input
//   key space|s|r               press a shortcut key for one frame
//   screenshot PATH             PNG of the window
//   screenshot_canvas CANVAS PATH | screenshot_plot ksd|modes|energy|loss|accept PATH
//                               (ebm task: mode_weights|nll|kl|neg_ksd|accept|mode_tv|loss)
//   export_csv PATH             metric curves (long format);  export_samples DIR
//   save_scenario PATH
//   live on|off                 restart runs on target/knob changes (the app's live mode)
//   wait_finished [SECONDS]     wait until the session says every run finished (default 120 s)
//   wait_samples_fit SECONDS    wait until every enabled run's canvas samples fit the current
//                               target: at most 10 % of them below the 1 % quantile of the log
//                               density of 2000 exact samples (an exact sampler has 1 %); fails
//                               when SECONDS pass first. Catches samples of an old target or of
//                               a mode that has moved away.
//   ui_scale S                  UI scale (0.5 to 3; fonts rebuilt at the new size)
//   presentation on|off         presentation mode (F11)
//   assert_no_clipped_text      fails, naming the place, when any text of the last frame did not
//                               fit where it is drawn (find_clipped_text() in app_state.h)
//   record PATH SECONDS         record the window for SECONDS to PATH (.gif or .mp4) and wait
//   record_canvas CANVAS PATH SECONDS   the same for one canvas
//   quit                        stop here (the end of the file also stops)
//
// Errors: parse_script() rejects unknown actions, wrong argument counts, non-numbers and bad seeds
// (`reseed -1`) with the line number, and the program exits with status 2 before anything runs
// (an unreadable script or a directory too). Every error reported in the UI while the script runs
// counts as a run-time failure: the script's own (unknown canvas, timeout, failed export, a
// screenshot without a window), the app's (an unknown target, a target knob out of range, a
// PNG that could not be written) and the engine's (a method knob out of range such as
// `param SVGD particles 1e9`, a bad budget) — finish() waits for the engine to apply the last
// commands so their rejections are counted too — and the program exits with status 1 if there
// were any.
#pragma once

#include <imgui.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/ui/app_state.h"

namespace ss::ui {

struct ScriptAction {
  int line = 0;
  std::string verb;
  std::vector<std::string> args;
};

/// A rejected script: what() reads "<source>:<line>: <message>".
struct ScriptError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Parses script text; throws ScriptError for unknown verbs and bad argument counts or numbers.
std::vector<ScriptAction> parse_script(const std::string& text, const std::string& source);

class ScriptPlayer {
 public:
  explicit ScriptPlayer(std::vector<ScriptAction> actions) : actions_(std::move(actions)) {}

  /// Call between the platform backend's NewFrame and ImGui::NewFrame: overrides the mouse and
  /// keys with the script's input for this frame (drags, key presses; otherwise the mouse is
  /// reported away from the window, except during `idle`).
  void feed_input(AppState& app, ImGuiIO& io);
  /// Call after the frame was drawn (and its PNG requests served): runs actions until one needs
  /// more frames.
  void after_frame(AppState& app);

  bool done() const { return next_ >= actions_.size() && phase_ == Phase::idle; }
  /// True during an `idle SECONDS` action: the main loop stops forcing frames.
  bool unattended() const { return phase_ == Phase::unattended && !unattended_over_; }
  double unattended_seconds() const { return unattended_seconds_; }
  /// Called by the main loop when the idle time has passed; the next frame moves on.
  void finish_unattended() { unattended_over_ = true; }
  /// Errors reported in the UI since the script's first frame (see the header comment).
  int failures(const AppState& app) const;
  /// Call once when the script is done: lets the engine apply the commands posted last, takes
  /// the messages that produced, and returns failures(app).
  int finish(AppState& app);

 private:
  enum class Phase {
    idle,
    wait_frames,
    wait_iterations,
    drag,
    key,
    unattended,
    wait_finished,
    wait_fit,
    recording
  };
  /// The wait_samples_fit test: "" when every enabled run's samples fit, else which does not.
  std::string samples_misfit(AppState& app);
  void fail(AppState& app, const ScriptAction& a, const std::string& why);
  bool canvas_rect(AppState& app, const std::string& name, plot::ScreenRect& out) const;

  std::vector<ScriptAction> actions_;
  size_t next_ = 0;
  Phase phase_ = Phase::idle;
  int frames_left_ = 0;
  double deadline_ = 0;
  std::int64_t target_iteration_ = 0;
  std::optional<std::uint64_t> errors_at_start_;  // AppState::errors_reported at the first frame
  // drag state (world coordinates; converted with the canvas transform every frame)
  std::string drag_canvas_;
  double x0_ = 0, y0_ = 0, x1_ = 0, y1_ = 0;
  int drag_frame_ = 0, drag_frames_ = 0;
  int key_ = 0;
  double unattended_seconds_ = 0;
  bool unattended_over_ = false;
  // wait_samples_fit: the 1 % quantile of the target's log density over exact samples of this
  // reference (computed once per reference).
  std::shared_ptr<const GridReference> exact_q01_reference_;
  double exact_q01_ = 0;
};

}  // namespace ss::ui
