// Screenshots: read back the frame just rendered (after ImGui's draw data, before the buffer swap)
// and write it, or a rectangle of it, as a PNG with stb_image_write.
#pragma once

#include <string>

namespace ss::gfx {

/// A rectangle in ImGui display coordinates (pixels, top-left origin).
struct PixelRect {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

/// Saves the rectangle `rect` of the current back buffer (display coordinates, scaled by
/// `fb_scale` to framebuffer pixels and clamped to the framebuffer) to `path` as an RGB PNG,
/// written to a temporary file then renamed. An empty rect means the whole framebuffer.
/// Returns "" on success, otherwise a sentence saying what failed.
std::string save_framebuffer_png(const std::string& path, int fb_width, int fb_height,
                                 float fb_scale, PixelRect rect = {});

}  // namespace ss::gfx
