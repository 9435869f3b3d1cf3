// AppState: everything the panels of the desktop app share, in one place (STYLE §5: one file per
// panel, all reading one app state). The engine lives behind `session`: panels read the newest
// immutable Snapshot taken at the start of the frame (`snap`) and change things only by posting
// commands, so the UI never blocks on the worker and never writes engine memory.
//
// [SECTION] Options        — canvas and metrics display options (saved in settings.json)
// [SECTION] AppState       — session, snapshot, shared canvas view, messages, export requests,
//                            and the panels' own state (PanelState, app/ui/panel_state.h)
// [SECTION] Actions        — open / save / load scenarios, CSV exports, messages, frame drawing
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/plot/canvas_view.h"
#include "app/plot/plot.h"
#include "app/ui/panel_state.h"
#include "core/engine/session.h"

namespace ss::gfx {
class DensityRenderer;
}

namespace ss::ui {

// [SECTION] Options -----------------------------------------------------------------------------

/// Cost axis of the metric plots.
enum class CostAxis { iterations = 0, gradient_evals = 1, seconds = 2 };

struct DisplayOptions {
  int colormap = 0;         ///< index into gfx::kColormapNames
  bool log_density = true;  ///< log colour scale for the heat map
  int contours = 8;         ///< iso-lines on the heat map (0: none)
  bool show_density = true;
  bool show_samples = true;
  bool show_overlays = true;    ///< trails, flow contours, score arrows, bandwidth circle
  bool show_marginals = false;  ///< marginal histograms vs the true marginals
  float point_size = 2.5f;      ///< pixels (before DPI scaling)
  CostAxis cost_axis = CostAxis::iterations;
  bool log_x = false;        ///< log x axis on the metric plots
  bool ksd_u = false;        ///< KSD plot and scoreboard show the U-statistic instead of V
  bool live_restart = true;  ///< a target/knob change restarts the affected runs (live mode)
  float ui_scale = 1.0f;     ///< user zoom of the whole UI (Ctrl+/Ctrl-/Ctrl+0), [0.5, 3]
  bool show_legend = true;   ///< the overlay legend on each canvas
  /// The ebm task: what each canvas's heat map shows (EbmHeatMap).
  int ebm_heat_map = 0;
  bool show_data = true;  ///< the ebm task: the training data drawn faint on every canvas
};

/// What the heat map of an ebm canvas shows.
enum class EbmHeatMap {
  learned = 0,     ///< the run's learned density p_θ, normalized exactly on the grid
  data = 1,        ///< the true data density (the grid reference), as in the sample task
  difference = 2,  ///< log p_θ − log p_data, diverging colours (blue: model too low, red: high)
};
/// Names for the UI and scripts: "learned", "data", "difference".
inline constexpr const char* kEbmHeatMapNames[] = {"learned", "data", "difference"};

/// Clamps a UI scale to the supported range and to steps of 0.05.
float clamp_ui_scale(float scale);

// [SECTION] AppState ----------------------------------------------------------------------------

/// A message shown in the message strip and the status bar (errors stay until dismissed).
struct UiMessage {
  enum class Level { info, error } level = Level::info;
  std::string text;
  double time = 0;  ///< ImGui time when it was added
};

/// A pending PNG export of the whole window ("" rect name) or of one named rectangle.
struct PngRequest {
  std::string path;
  std::string rect_name;  ///< "" = window; else a key of AppState::rects ("canvas:DFT", "plot:ksd")
};

/// Seconds between refreshes of the metric plots while runs advance (AppState::plots).
inline constexpr double kPlotRefreshSeconds = 0.4;
/// Seconds between refreshes of the status bar's numbers (AppState::status).
inline constexpr double kStatusRefreshSeconds = 0.5;

/// A snapshot that follows the newest one at most every so often: views that need not change
/// at the engine's publication rate (and cost a software rasterizer a redraw when they do).
struct ThrottledSnapshot {
  std::shared_ptr<const Snapshot> snap;
  double time = -1e9;
  /// Takes `latest` when `force`, when `interval` seconds have passed since the last time, or
  /// when the clock went back; returns true when it did.
  bool follow(const std::shared_ptr<const Snapshot>& latest, double now, double interval,
              bool force) {
    if (!force && snap && now - time < interval && now >= time) return false;
    snap = latest;
    time = now;
    return true;
  }
};

struct AppState {
  std::unique_ptr<Session> session;
  std::shared_ptr<const Snapshot> snap;  ///< taken once per frame by begin_frame()
  /// What the metric plots show: `snap` every kPlotRefreshSeconds while runs advance, at once
  /// when they stop or the set of runs changes (begin_frame()).
  ThrottledSnapshot plots;
  /// What the status bar's numbers show, every kStatusRefreshSeconds so they can be read, with
  /// the mean frame time since the last refresh (draw_status_bar()).
  ThrottledSnapshot status;
  double status_frame_ms = 0, frame_ms_sum = 0;
  int frame_ms_count = 0;
  gfx::DensityRenderer* renderer = nullptr;  ///< null when headless (no GL)

  DisplayOptions display;
  plot::CanvasView view;
  bool view_needs_fit = true;  ///< fit the view to the next reference's box
  /// The view follows the reference's box and the canvases' shape (until the user pans or zooms).
  bool view_auto_fit = true;
  const GridReference* fitted_reference = nullptr;

  /// Mixture being edited on the canvas (kind "gmm"): a local copy that follows the mouse at once;
  /// ChangeTarget commands are posted from it (throttled while dragging).
  std::optional<TargetSpec> editing_target;
  int drag_component = -1;
  double last_target_post = -1;

  std::deque<UiMessage> messages;
  std::uint64_t last_engine_message = 0;
  std::uint64_t errors_reported =
      0;  ///< error messages added so far (the script player counts them)

  /// Screen rectangles of the last frame's canvases and plots, by name ("canvas:<label>",
  /// "plot:ksd", "plot:loss", "plot:modes", "window"): PNG export crops to them, the script
  /// player drags inside them.
  std::map<std::string, plot::ScreenRect> rects;
  std::vector<PngRequest> png_requests;  ///< served by the main loop after rendering

  std::string scenario_path;     ///< file the scenario was opened from / saved to ("" if none)
  std::string gallery_dir;       ///< folder of the gallery scenarios
  std::string export_dir = ".";  ///< folder exports go to (the UI's export box edits it)
  int step_n = 10;               ///< the "step ×N" amount
  double frame_ms = 0;           ///< last frame time, for the status bar
  float dpi_scale = 1;           ///< content scale of the window × the UI scale
  float monitor_scale = 1;       ///< content scale of the window alone
  bool presentation = false;     ///< F11: controls hidden, canvases and plots enlarged
  /// The scenario was changed since it was opened or saved (name shown as modified).
  bool scenario_modified = false;
  /// Set by the recording controls / script: the main loop starts or stops a recording.
  struct RecordRequest {
    std::string path;    ///< .gif or .mp4
    std::string rect;    ///< "" = window, else a key of `rects` ("canvas:DFT")
    double seconds = 0;  ///< 0 = until stopped
  };
  std::optional<RecordRequest> record_request;
  bool record_stop_request = false;
  bool recording = false;        ///< a recording is in progress (set by the main loop)
  std::string recording_status;  ///< e.g. "recording out.gif: 42 frames"
  /// Script/test hooks: text items that did not fit their window in the last frame.
  std::vector<std::string> clipped_text;
  bool show_about = false;
  bool show_demo = false;
  bool quit_requested = false;
  /// The scenario's reference failed and the default scenario was loaded instead (once).
  bool fell_back = false;
  bool headless = false;  ///< no GL: no heat map, no PNG export
  /// What the panels keep between frames (text boxes, caches, animations): all UI state that is
  /// not above is there, none in function statics.
  PanelState panels;
};

// [SECTION] Actions -----------------------------------------------------------------------------

/// Takes the newest snapshot, turns new engine messages into UI messages, and fits the canvas
/// view when a new target's reference arrives. When the session's scenario has no reference
/// because computing it failed, reports why and loads default_scenario() instead (once), so the
/// window never stays on "computing the reference…". Call once at the start of every frame.
void begin_frame(AppState& app);
/// True when run `r`'s samples and curves belong to an earlier target than the current one
/// (RunSnapshot::state_target; live mode off and the run finished before the change): drawn
/// grey and labelled, never as current.
bool run_is_stale(const AppState& app, const RunSnapshot& r);
/// True while anything is moving (runs running, a target pending, a drag in progress): the main
/// loop then redraws continuously; otherwise it waits for events.
bool wants_continuous_redraw(const AppState& app);

/// Adds a message (errors also go to stderr).
void add_message(AppState& app, UiMessage::Level level, std::string text);
inline void report_error(AppState& app, std::string text) {
  add_message(app, UiMessage::Level::error, std::move(text));
}

/// Opens a scenario file into the running session (LoadScenario). Bad files are reported in the
/// UI with the field that was wrong; nothing changes. Returns true when posted.
bool open_scenario_file(AppState& app, const std::string& path);
/// Loads scenario JSON text (e.g. from the clipboard), with `source` naming it in errors.
bool open_scenario_text(AppState& app, const std::string& text, const std::string& source);
/// Saves the scenario as applied so far to `path` (atomic). Reports errors; returns success.
bool save_scenario_file(AppState& app, const std::string& path);
/// Scenario JSON of the current snapshot ("" before the first snapshot).
std::string scenario_json(const AppState& app);
/// The *.json files of the gallery folder, sorted.
std::vector<std::filesystem::path> gallery_files(const std::string& dir);

/// Writes the metric curves of every enabled run to `path` in the runner's format and row order
/// (core/io/results.h: method, then iteration, then metric name), as the GUI keeps them: every
/// pass up to SessionOptions::max_curve_points, evenly thinned beyond. Returns "" or an error.
std::string export_curves_csv(const Snapshot& snap, const std::string& path);
/// Writes the evaluation samples of the latest metric pass of every enabled run into
/// `dir`/samples_<label>.csv (the runner's names, de-duplicated; header x,y) as one set; in the
/// ebm task also each run's learned density as `dir`/density_<label>.csv — the runner's files,
/// names and formats, through the one writer (core/io/results.h: density_csv, write_file_set).
/// Returns "" or an error.
std::string export_samples_csv(const Snapshot& snap, const std::string& dir);

/// The default scenario: `gallery_dir`/default.json, or builtin_default_scenario() when that
/// cannot be read.
Scenario default_scenario(const AppState& app);

/// The built-in scenario used when no file is given and assets/scenarios/default.json is missing:
/// the donut with every registered method among dft, svgd and flowmc (or the first three kinds).
Scenario builtin_default_scenario();

/// Draws the whole UI (all panels in their fixed regions) for a display of `size` pixels.
/// Handles the keyboard shortcuts. Works headless (no renderer).
void draw_app(AppState& app, ImVec2 size);

/// Text that does not fit where it is drawn, in the frame just rendered (call after
/// ImGui::Render()): items reaching past their window's clip rectangle (windows scroll only
/// vertically), and glyphs of draw-list text outside their clip rectangle. Each entry names the
/// window and where; empty when every text is whole. Used by the `assert_no_clipped_text` script
/// action. Keeps the font atlas's glyph mask in app.panels.glyph_mask.
std::vector<std::string> find_clipped_text(AppState& app);

/// Colour the main loop clears the frame to before rendering: the window background of the style
/// (the fixed regions draw no background of their own).
ImVec4 window_clear_color();

/// Colour of a method kind on every plot and canvas: fixed per kind (the same method has the
/// same colour in every scenario), chosen to be distinct from each other and visible on every
/// colour map's bright end (where samples sit). Unknown kinds get a palette colour.
ImU32 method_color(const std::string& kind, float alpha = 1.0f);

/// Whether the snapshot's scenario is of the ebm task (issue 15: each method is the negative
/// sampler of an energy-based model trained on data).
bool snapshot_is_ebm(const Snapshot& s);
/// Whether `kind` is a method of the ebm task (ebm_kinds()).
bool is_ebm_kind(const std::string& kind);
/// Display name, About text and knob table of a method kind of either task (the ebm registry's
/// for ebm kinds, the sampler registry's otherwise; ParamError for unknown kinds).
std::string kind_display_name(const std::string& kind);
std::string kind_about(const std::string& kind);
const ParamTable& kind_param_table(const std::string& kind);
/// The gallery scenario the task switch opens for the ebm task.
inline constexpr const char* kEbmGalleryScenario = "ebm_2to1.json";
/// Switches the task: `ebm` opens the gallery's EBM scenario (kEbmGalleryScenario), the sample
/// task the default scenario; nothing happens when the session already has that task. Reports
/// errors; returns true when a scenario was posted.
bool select_task(AppState& app, bool ebm);

/// The ebm task: trains on the points of a CSV file (`x,y` rows, optional header) instead of data
/// drawn from the target. The file is read here first so a bad one is reported at once (with its
/// line) and nothing changes; the box the EBM is normalized on is the points' bounding square
/// widened by 10 % on each side. An empty `path` goes back to data drawn from the target.
/// Restarts the runs (a LoadScenario of the current scenario with the new data). Returns true
/// when posted.
bool open_data_csv(AppState& app, const std::string& path);

/// The ebm task: changes one setting of the shared EBM ("learning_rate", "batch", "persistent",
/// "l2") and restarts every run with it (a LoadScenario of the current scenario: the engine has
/// no command that changes the EBM's optimizer in place). Values out of range are refused with
/// the scenario's message. Returns true when posted.
bool set_ebm_setting(AppState& app, const std::string& name, double value);

/// Posts a target change; in live mode (DisplayOptions::live_restart) the runs restart on the
/// new target as soon as it is ready. Marks the scenario modified.
void post_target(AppState& app, const TargetSpec& spec);
/// Posts a knob change of run `id`; a knob that resets its run also starts it again in live mode
/// when the session had finished. Marks the scenario modified.
void post_param(AppState& app, RunId id, const std::string& name, double value);
/// Posts any other scenario-changing command and marks the scenario modified.
void post_change(AppState& app, Command command);

}  // namespace ss::ui
