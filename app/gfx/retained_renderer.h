// RetainedRenderer: renders Dear ImGui's draw data like ImGui_ImplOpenGL3_RenderDrawData, but
// keeps the pixels of chosen windows between frames and rasterizes such a window again only when
// its geometry changed.
//
// Dear ImGui rebuilds every window's vertices each frame, and the OpenGL backend rasterizes all
// of them. On a GPU that is free; on a software rasterizer (Mesa llvmpipe under Xvfb or without a
// GPU) the metrics plots and the controls cost several milliseconds a frame although they change
// a few times a second. Here each cached window's draw list is hashed (vertices, indices and
// commands: a few microseconds); when the hash matches the last render, the window's region is
// copied from an off-screen image (glBlitFramebuffer) instead. Output is pixel-identical to a
// direct render as long as the cached windows
//   - are fixed, non-overlapping regions drawn before anything that may cover them (popups,
//     tooltips, child windows and floating windows come later in ImGui's order and are drawn
//     directly on top; ImGui's background draw list, drawn first, must stay empty, or a kept
//     image would cover it),
//   - have no background of their own (the cached image is cleared to `clear_color` first, as
//     the window framebuffer is), and
//   - contain no user callbacks (a window that has one is simply drawn directly).
// All methods need a current OpenGL 3.3 context and an initialised OpenGL3 backend.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ss::gfx {

/// Renders `lists` (draw lists of `dd`) with the ImGui OpenGL3 backend as one ImDrawData with
/// display position `pos` and size `size` and `dd`'s framebuffer scale. With `dd`'s own display
/// area the projection and clip rectangles are those of a full render, so the pixels are the same.
/// Shared by the retained (kept windows) and partial (changed tiles) renderers.
void render_lists(const ImDrawData* dd, ImDrawList* const* lists, int count, ImVec2 pos,
                  ImVec2 size);

class RetainedRenderer {
 public:
  /// `cached_windows`: names of the windows that may be kept; `clear_color`: the colour the
  /// window framebuffer is cleared to before render().
  RetainedRenderer(std::vector<std::string> cached_windows, ImVec4 clear_color);
  ~RetainedRenderer();
  RetainedRenderer(const RetainedRenderer&) = delete;
  RetainedRenderer& operator=(const RetainedRenderer&) = delete;

  /// Renders `dd` into the bound framebuffer (already cleared to the clear colour).
  void render(ImDrawData* dd);

  struct Stats {
    long reused = 0;    ///< frames the window's image was copied from the previous render
    long rendered = 0;  ///< frames the window was rasterized again
  };
  /// Per cached window (by name).
  const std::map<std::string, Stats>& stats() const { return stats_; }

  /// Hash of a draw list's geometry and commands (exposed for tests).
  static std::uint64_t hash_draw_list(const ImDrawList& list);

 private:
  struct Layer {
    unsigned fbo = 0, color = 0;
    int width = 0, height = 0;
    std::uint64_t hash = 0;
    bool valid = false;
  };
  std::vector<std::string> names_;
  ImVec4 clear_;
  std::map<std::string, Layer> layers_;  // by window name
  std::map<std::string, Stats> stats_;
};

}  // namespace ss::gfx
