// PanelState: what the panels of the desktop app keep from one frame to the next — text being
// typed, caches of uploads and composited images, animations — all in one place, owned by
// AppState (AppState::panels). No panel keeps state in a function static, so two AppStates (two
// tests in one process, two windows) share nothing, and this file is the list of it all; the
// panel functions take the part they need. Statics that remain in app/ui are constant tables.
//
// Caches keyed by RunId forget the runs that are no longer in the snapshot
// (forget_removed_runs(), called by begin_frame()): run ids are never reused within a session
// (core/engine/commands.h), so entries of removed runs would otherwise stay for good, each
// holding shared pointers to that run's last samples, overlay and target.
//
// [SECTION] Canvas panel     — texture uploads, composited layers, score arrows, region lines
// [SECTION] Controls panel   — text fields and the gallery listing
// [SECTION] Formula panel    — the formula editor and which session formula it follows
// [SECTION] Metrics panel    — the exact angular density of the current reference
// [SECTION] Parameter widgets — slider values being dragged, by widget id
// [SECTION] Slow motion      — per-run settings and the move being animated
// [SECTION] Layout           — the glyph mask of the font atlas (clipped-text check)
// [SECTION] PanelState       — all of the above, and forget_removed_runs()
#pragma once

#include <imgui.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <vector>

#include "app/plot/contours.h"
#include "app/plot/raster.h"
#include "app/ui/formula_panel.h"
#include "core/engine/session.h"

namespace ss::ui {

// [SECTION] Canvas panel ------------------------------------------------------------------------

/// The true score at a run's arrow origins, scaled together with the learned field: computed once
/// per (target, overlay) pair, not every frame. Held (not just compared by address) so that a
/// freed object's address cannot come back as a false cache hit.
struct ScoreArrows {
  std::shared_ptr<const Target> target;
  std::shared_ptr<const SamplerOverlay> overlay;
  std::vector<Vec2> truth;
  double vmax = 1e-12;  ///< largest finite arrow length of either field
};

/// The ebm task: a run's learned density as uploaded (grid, heat-map view, truth).
struct UploadedModel {
  std::shared_ptr<const std::vector<float>> grid;
  std::shared_ptr<const EbmProblem> problem;
  int view = -1;
  std::uint64_t version = 0;
  float max = 1;
  bool ok = false;
};

/// Upload bookkeeping of the canvases: a version per grid so textures are re-uploaded only when
/// the data changes (the grids' owners are held, so an address is never reused while it is in
/// here), plus buffers reused every frame.
struct CanvasUploads {
  std::shared_ptr<const GridReference> reference;
  std::uint64_t reference_version = 0;
  float reference_max = 1;
  std::map<RunId, std::pair<std::shared_ptr<const SamplerOverlay>, std::uint64_t>> overlays;
  std::map<RunId, float> overlay_max;
  std::map<RunId, ScoreArrows> arrows;
  std::map<RunId, UploadedModel> models;
  std::uint64_t counter = 0;  ///< versions handed out so far
  /// The ebm task: the data subset drawn on the canvases, made once per problem.
  std::shared_ptr<const EbmProblem> data_problem;
  std::shared_ptr<const Points> data_points;
  std::vector<float> buffer;            ///< texture values being uploaded (reused)
  std::vector<ImVec2> centers;          ///< screen positions of one canvas's points (reused)
  std::vector<ImVec2> line;             ///< one trail on screen (reused)
  std::vector<plot::Segment> segments;  ///< iso-line pieces of one level (reused)
};

/// What a canvas's software layer was last built from: when nothing here changed the uploaded
/// image is shown again as it is. The shared pointers are held, so a freed object's address
/// cannot come back as a false match.
struct CanvasLayerInputs {
  int width = 0, height = 0;
  double scale = 0, center_x = 0, center_y = 0;
  std::uint64_t base_version = 0;
  std::shared_ptr<const Points> samples;
  std::shared_ptr<const SamplerOverlay> overlay;
  std::shared_ptr<const Target> target;  ///< samples / overlay null when hidden
  std::shared_ptr<const Points> data;    ///< the ebm task's data (null: none or hidden)
  float diameter = 0, dpi = 0;
  ImU32 color = 0;
  bool operator==(const CanvasLayerInputs&) const = default;
};

/// One run's canvas layer composited on the CPU, and what it was built from.
struct CanvasLayer {
  CanvasLayerInputs inputs;
  plot::Raster raster;
};

/// The boundaries between the reference's mode regions, in world coordinates (per reference).
struct ModeRegionLines {
  std::shared_ptr<const GridReference> reference;
  std::vector<std::array<double, 4>> segments;  ///< x0, y0, x1, y1
};

struct CanvasPanelState {
  CanvasUploads uploads;
  std::map<RunId, CanvasLayer> layers;  ///< with a GL renderer only
  ModeRegionLines region_lines;
};

// [SECTION] Controls panel ----------------------------------------------------------------------

struct ControlsPanelState {
  /// The scenario path box (Open / Save); filled from AppState::scenario_path the first time.
  char scenario_path[1024] = "";
  bool scenario_path_filled = false;
  /// The gallery's *.json files, listed again every 5 s (ImGui time of the last listing).
  std::vector<std::filesystem::path> gallery;
  double gallery_listed = -10;
  /// The export folder box; filled from AppState::export_dir while empty.
  char export_dir[1024] = "";
  /// The ebm task's data CSV path box.
  char data_csv[1024] = "";
};

// [SECTION] Formula panel -----------------------------------------------------------------------

struct AppFormulaPanel {
  FormulaPanelState editor;
  /// The session formula (text and box) last copied into the editor: the editor follows the
  /// session's formula when the target changes to one from elsewhere (a scenario file).
  std::string followed;
};

// [SECTION] Metrics panel -----------------------------------------------------------------------

/// The exact angular density of the reference (metrics_panel: true_angular_density), per reference.
struct AngularTruth {
  std::shared_ptr<const GridReference> reference;
  std::vector<double> density;
};

struct MetricsPanelState {
  AngularTruth angular;
};

// [SECTION] Parameter widgets -------------------------------------------------------------------

/// Values being edited, by widget id: the slider keeps following the mouse even though the
/// engine's snapshot still holds the old value until the edit is committed and applied. An entry
/// lives while its slider is active.
struct ParamEdits {
  std::map<ImGuiID, double> values;
};

// [SECTION] Slow motion -------------------------------------------------------------------------

struct SlowMotionSettings {
  bool on = false;
  int frames = 90;       ///< frames per animated move (the speed slider)
  bool hold_run = true;  ///< true: one move per animation (the run waits); false: continue
};

/// One run's slow motion: its settings and the move being animated.
struct SlowMotionAnimation {
  SlowMotionSettings settings;
  ProposalTrace shown;  ///< the move being animated
  int frame = 0;        ///< frames since it started
  bool step_posted = false;
};

struct SlowMotionState {
  std::map<RunId, SlowMotionAnimation> runs;  ///< runs whose settings were ever set
};

// [SECTION] Layout ------------------------------------------------------------------------------

/// Which texels of the font atlas belong to a glyph (find_clipped_text()), made again when the
/// atlas or its size changes.
struct GlyphMask {
  std::vector<unsigned char> texels;  ///< width × height, 1 inside a visible glyph
  const ImFontAtlas* atlas = nullptr;
  int width = 0, height = 0;
};

// [SECTION] PanelState --------------------------------------------------------------------------

struct PanelState {
  CanvasPanelState canvas;
  ControlsPanelState controls;
  AppFormulaPanel formula;
  MetricsPanelState metrics;
  ParamEdits param_edits;
  SlowMotionState slow_motion;
  GlyphMask glyph_mask;
};

/// Drops the entries of every run not in `s` from the caches keyed by RunId (canvas layers,
/// overlay and model uploads, score arrows, slow-motion animations) and returns those run ids,
/// ascending and without repeats, so the caller can free their GL resources.
std::vector<RunId> forget_removed_runs(PanelState& panels, const Snapshot& s);

}  // namespace ss::ui
