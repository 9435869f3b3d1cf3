#include "app/gfx/present.h"

#include <GLFW/glfw3.h>
#include <dlfcn.h>

#include <cstring>

namespace ss::gfx {

namespace {

// The X11/GLX entry points are looked up at run time, not linked: a GLFW built for Wayland has
// no glfwGetX11Display, and the program must still start there (and swap buffers).
template <class F>
F lookup(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_DEFAULT, name));
}

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
  // GLX only: the native context API on X11 (EGL or Wayland: swap).
  if (glfwGetWindowAttrib(window, GLFW_CONTEXT_CREATION_API) != GLFW_NATIVE_CONTEXT_API) {
    description_ = "swap (not a native context)";
    return;
  }
  const auto get_display = lookup<void* (*)()>("glfwGetX11Display");
  const auto get_drawable = lookup<unsigned long (*)(GLFWwindow*)>("glfwGetGLXWindow");
  const auto get_context = lookup<void* (*)(GLFWwindow*)>("glfwGetGLXContext");
  const auto default_screen = lookup<int (*)(void*)>("XDefaultScreen");
  // GLFW loads libGL privately: GLX functions through its glXGetProcAddress.
  const auto query_extensions =
      reinterpret_cast<const char* (*)(void*, int)>(glfwGetProcAddress("glXQueryExtensionsString"));
  if (!get_display || !get_drawable || !get_context || !default_screen || !query_extensions) {
    description_ = "swap (no X11/GLX entry points)";
    return;
  }
  void* display = get_display();
  const unsigned long drawable = display ? get_drawable(window) : 0;
  if (!display || !drawable || !get_context(window)) {
    description_ = "swap (no GLX window)";
    return;
  }
  if (!has_extension(query_extensions(display, default_screen(display)),
                     "GLX_MESA_copy_sub_buffer")) {
    description_ = "swap (no GLX_MESA_copy_sub_buffer)";
    return;
  }
  auto* fn = reinterpret_cast<void (*)(void*, unsigned long, int, int, int, int)>(
      glfwGetProcAddress("glXCopySubBufferMESA"));
  if (!fn) {
    description_ = "swap (glXCopySubBufferMESA missing)";
    return;
  }
  display_ = display;
  drawable_ = drawable;
  copy_sub_buffer_ = fn;
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
