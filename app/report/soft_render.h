// A software renderer for Dear ImGui's draw lists: rasterizes ImDrawData into an RGBA8 image on
// the CPU, so the app's plotting code (app/plot/plot.h) can draw figures without a window or an
// OpenGL context (samplescope-report's PNG plots).
//
// Triangles are filled at pixel centres with a top-left rule (a pixel on an edge shared by two
// triangles is drawn once), vertex colours and texture coordinates are interpolated
// barycentrically, the texture (the font atlas, the only one the plots use) is sampled at the
// nearest texel — as the app samples it — and colours are blended "source over". Anti-aliasing
// comes from ImGui's own geometry (its feathered edges), as on the GPU. Clip rectangles are
// honoured; commands with user callbacks are skipped.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <vector>

namespace ss::report {

/// An RGBA8 texture: `pixels` holds w × h texels, 4 bytes each, top row first.
struct Texture {
  const unsigned char* pixels = nullptr;
  int width = 0, height = 0;
};

/// An RGBA8 image (top row first), 4 bytes per pixel.
struct Image {
  int width = 0, height = 0;
  std::vector<unsigned char> rgba;
};

/// Draws `data` over `image` (which keeps its size; pixels outside it are clipped). Every draw
/// command samples `texture`, whatever its texture id.
void render_draw_data(const ImDrawData& data, const Texture& texture, Image& image);

}  // namespace ss::report
