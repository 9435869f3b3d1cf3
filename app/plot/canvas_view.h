// CanvasView: the shared pan/zoom of the method canvases, with equal aspect by construction
// (one scale for both axes, so a donut stays round whatever the canvas shape).
//
// A view is a centre in world units and `half_extent`, the world distance from the centre to the
// nearer edge of a canvas. CanvasTransform maps one canvas rectangle on screen to the world and
// back; all canvases share one CanvasView, so panning or zooming any of them moves all of them.
#pragma once

#include <imgui.h>

#include "core/common/types.h"

namespace ss::plot {

struct CanvasView {
  double center_x = 0, center_y = 0;
  double half_extent = 4;  ///< world units from the centre to the nearer canvas edge (> 0)

  /// Centres the view on `box` so that the whole box is visible (with a small margin) in a
  /// canvas of width/height `aspect` (1: a square canvas; a wide box in a wide canvas then fills
  /// its width instead of being fitted by its larger side into the canvas's smaller one).
  void fit(const Box& box, double aspect = 1.0);
};

/// World ↔ screen mapping for one canvas rectangle (screen y grows downwards, world y upwards).
struct CanvasTransform {
  ImVec2 min, max;   ///< canvas rectangle on screen
  double scale = 1;  ///< pixels per world unit, identical on both axes
  double center_x = 0, center_y = 0;

  ImVec2 to_screen(double x, double y) const;
  Vec2 to_world(ImVec2 p) const;
  /// The world box visible in the canvas.
  Box visible_box() const;
};

/// The transform of `view` on the canvas [min, max] (a degenerate rectangle gives scale 1).
CanvasTransform make_transform(const CanvasView& view, ImVec2 min, ImVec2 max);
/// Zooms by `factor` (> 1 zooms in) keeping the world point under `mouse` fixed on screen;
/// half_extent is clamped to [1e-3, 1e4].
void zoom_at(CanvasView& view, const CanvasTransform& t, ImVec2 mouse, double factor);
/// Pans by a screen-space mouse delta (the world follows the mouse).
void pan_by(CanvasView& view, const CanvasTransform& t, ImVec2 delta);

}  // namespace ss::plot
