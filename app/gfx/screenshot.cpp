#include "app/gfx/screenshot.h"

#include <GL/gl.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace ss::gfx {

std::string save_framebuffer_png(const std::string& path, int fb_width, int fb_height,
                                 float fb_scale, PixelRect rect) {
  int x0 = 0, y0 = 0, x1 = fb_width, y1 = fb_height;
  if (rect.x1 > rect.x0 && rect.y1 > rect.y0) {
    x0 = std::clamp(int(rect.x0 * fb_scale), 0, fb_width);
    y0 = std::clamp(int(rect.y0 * fb_scale), 0, fb_height);
    x1 = std::clamp(int(rect.x1 * fb_scale + 0.5f), 0, fb_width);
    y1 = std::clamp(int(rect.y1 * fb_scale + 0.5f), 0, fb_height);
  }
  const int w = x1 - x0, h = y1 - y0;
  if (w <= 0 || h <= 0) return "nothing to save: the rectangle is empty";
  std::vector<unsigned char> rgba(size_t(w) * h * 4), rgb(size_t(w) * h * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  // GL rows start at the bottom: the top display row y0 is framebuffer row fb_height - y1.
  glReadPixels(x0, fb_height - y1, w, h, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c)
      for (int k = 0; k < 3; ++k)
        rgb[(size_t(r) * w + c) * 3 + k] = rgba[(size_t(h - 1 - r) * w + c) * 4 + k];
  const std::string tmp = path + ".tmp";
  if (!stbi_write_png(tmp.c_str(), w, h, 3, rgb.data(), w * 3)) {
    std::remove(tmp.c_str());
    return "cannot write PNG file " + path + " (is the folder there and writable?)";
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    return "cannot move the PNG into place at " + path + ": " + why;
  }
  return "";
}

}  // namespace ss::gfx
