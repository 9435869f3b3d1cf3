// Raster: a small software canvas (straight-alpha RGBA8 pixels in IM_COL32 layout, top row
// first) for the busy layer of the method canvases: the heat map underneath, then chain trails,
// thousands of sample markers and score arrows, composited on the CPU and shown as one image.
//
// Why: on a software OpenGL rasterizer (Mesa llvmpipe, what the app meets under Xvfb and on
// machines without a GPU) every triangle costs about a microsecond of setup, and a canvas with
// 1 000 markers, 400 trail segments and 450 arrows is several thousand triangles; here the same
// layer costs a fraction of a millisecond of CPU and is rebuilt only when its inputs change
// (a new engine snapshot, the view, the display options), not every frame. See
// docs/performance.md (app section).
//
// Coordinates are pixels: pixel (x, y) covers [x, x + 1) × [y, y + 1); callers convert screen
// (display) coordinates with (p - canvas_min) · framebuffer_scale. Everything is clipped to the
// image. Coverage is analytic (box-filtered distance to the shape), so lines and triangles are
// anti-aliased; markers are the very sprites the GPU path uses (app/plot/markers.h).
#pragma once

#include <imgui.h>

#include <cstdint>
#include <span>
#include <vector>

namespace ss::plot {

class Raster {
 public:
  /// Resizes to w × h (contents undefined until fill() or copy()); negative sizes give 0.
  void resize(int w, int h);
  int width() const { return w_; }
  int height() const { return h_; }
  const std::uint32_t* data() const { return px_.data(); }
  /// The pixel at (x, y); 0 outside the image.
  std::uint32_t pixel(int x, int y) const;

  void fill(ImU32 col);
  /// Copies a w × h image (same size as this one, top row first).
  void copy(const std::uint32_t* src);
  /// Alpha-blends a same-size straight-alpha image over this one (transparent pixels skipped).
  void blend_image(const std::uint32_t* src);
  /// Blends `col` into pixel (x, y) with coverage `coverage` in [0, 1] (clipped to the image).
  void blend(int x, int y, ImU32 col, float coverage);

  /// Round markers of `diameter` pixels centred at `centers`, exactly as draw_markers() draws
  /// them on the GPU: the disc sprite of that size, tinted by `col`, on whole pixels.
  void draw_markers(std::span<const ImVec2> centers, float diameter, ImU32 col);
  /// An anti-aliased line of `width` pixels (butt ends).
  void draw_line(ImVec2 a, ImVec2 b, ImU32 col, float width);
  /// An anti-aliased filled triangle (either winding).
  void fill_triangle(ImVec2 a, ImVec2 b, ImVec2 c, ImU32 col);
  /// A line from a to b with a filled head at b of length min(max_head, 0.35 · |b - a|) (none
  /// on arrows shorter than 3 pixels): the canvases' score arrows.
  void draw_arrow(ImVec2 a, ImVec2 b, ImU32 col, float width, float max_head = 6.0f);

 private:
  int w_ = 0, h_ = 0;
  std::vector<std::uint32_t> px_;
};

}  // namespace ss::plot
