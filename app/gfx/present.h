// Presenter: shows the rendered frame in the window, either by swapping buffers (the usual
// way) or, on a software rasterizer under X11, by copying only the rectangles that changed from
// the back buffer to the window with glXCopySubBufferMESA.
//
// The second way keeps the back buffer's contents from frame to frame (the GLX_MESA_copy_sub_buffer
// extension copies without swapping; the buffers are never swapped), which is what lets
// gfx::PartialRenderer draw only the windows that changed. It is used when the context is GLX,
// the extension is there and the renderer is a software one (Mesa llvmpipe or softpipe: every
// pixel costs CPU there). On a GPU, or without GLX (Wayland), frames are swapped as before. The
// X11 and GLX functions are looked up at run time (dlsym), so a Wayland-only GLFW still links.
// Needs the window's context to be current.
#pragma once

#include <string>
#include <vector>

#include "app/gfx/partial_renderer.h"

struct GLFWwindow;

namespace ss::gfx {

class Presenter {
 public:
  /// `allow_partial` false always swaps buffers.
  Presenter(GLFWwindow* window, bool allow_partial);

  /// True when the back buffer keeps its contents between frames (present() copies rectangles).
  bool keeps_back_buffer() const { return copy_sub_buffer_ != nullptr; }
  /// How frames are presented and why, for --perf.
  const std::string& description() const { return description_; }

  /// Shows the frame: the `changed` rectangles (OpenGL window coordinates) when the back buffer
  /// is kept (none: nothing to do), else a buffer swap.
  void present(const std::vector<GlRect>& changed);
  /// A rectangle of the framebuffer's size, for presenting everything.
  void present_all(int fb_w, int fb_h) { present({GlRect{0, 0, fb_w, fb_h}}); }

 private:
  GLFWwindow* window_;
  void* display_ = nullptr;     // Display*
  unsigned long drawable_ = 0;  // GLXDrawable
  void (*copy_sub_buffer_)(void*, unsigned long, int, int, int, int) = nullptr;
  std::string description_;
};

}  // namespace ss::gfx
