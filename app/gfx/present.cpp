#include "app/gfx/present.h"

#include <GLFW/glfw3.h>
#define GLFW_EXPOSE_NATIVE_X11
#define GLFW_EXPOSE_NATIVE_GLX
#include <GLFW/glfw3native.h>

#include <cstring>

namespace ss::gfx {

namespace {

// Mesa's software rasterizers (GL_RENDERER "llvmpipe (LLVM …)", "softpipe", the classic
// "Software Rasterizer").
bool software_renderer() {
  const char* r = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  if (!r) return false;
  return std::strstr(r, "llvmpipe") || std::strstr(r, "softpipe") ||
         std::strstr(r, "Software Rasterizer");
}

bool has_extension(const char* list, const char* name) {
  if (!list) return false;
  const size_t n = std::strlen(name);
  for (const char* p = std::strstr(list, name); p; p = std::strstr(p + n, name))
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return true;
  return false;
}

}  // namespace

Presenter::Presenter(GLFWwindow* window, bool allow_partial) : window_(window) {
  description_ = "swap";
  if (!allow_partial) return;
  if (!software_renderer()) {
    description_ = "swap (hardware renderer)";
    return;
  }
  // GLX only: glfwGetGLXContext is null (and reports a GLFW error) on other context APIs.
  if (glfwGetWindowAttrib(window, GLFW_CONTEXT_CREATION_API) != GLFW_NATIVE_CONTEXT_API) {
    description_ = "swap (not a native context)";
    return;
  }
  Display* display = glfwGetX11Display();
  const GLXWindow drawable = display ? glfwGetGLXWindow(window) : 0;
  if (!display || !drawable || !glfwGetGLXContext(window)) {
    description_ = "swap (no GLX window)";
    return;
  }
  if (!has_extension(glXQueryExtensionsString(display, DefaultScreen(display)),
                     "GLX_MESA_copy_sub_buffer")) {
    description_ = "swap (no GLX_MESA_copy_sub_buffer)";
    return;
  }
  auto* fn = reinterpret_cast<void (*)(Display*, GLXDrawable, int, int, int, int)>(
      glXGetProcAddress(reinterpret_cast<const GLubyte*>("glXCopySubBufferMESA")));
  if (!fn) {
    description_ = "swap (glXCopySubBufferMESA missing)";
    return;
  }
  display_ = display;
  drawable_ = drawable;
  copy_sub_buffer_ = reinterpret_cast<void (*)(void*, unsigned long, int, int, int, int)>(fn);
  description_ = "copy_sub_buffer (software renderer: back buffer kept, changed windows drawn)";
}

void Presenter::present(const std::vector<GlRect>& changed) {
  if (!copy_sub_buffer_) {
    glfwSwapBuffers(window_);
    return;
  }
  // Each copy flushes the rendering and waits for it (implicit glFlush; the software
  // rasterizer finishes the back buffer before reading it).
  for (const GlRect& r : changed)
    if (!r.empty()) copy_sub_buffer_(display_, drawable_, r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
}

}  // namespace ss::gfx
