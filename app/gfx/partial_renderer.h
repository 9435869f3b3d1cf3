// PartialRenderer: renders Dear ImGui's draw data into a framebuffer that still holds the previous
// frame's picture, drawing again only the fixed windows whose pixels would change.
//
// On a software rasterizer (Mesa llvmpipe under Xvfb or without a GPU) every pixel written costs
// a few nanoseconds of CPU: clearing the 1600 x 1000 window and copying the kept window images
// and canvas images into it cost about 11 ms of rasterizer CPU per frame, although most frames
// change only the canvases or nothing at all. When the window's back buffer keeps its contents
// from frame to frame (the caller presents with glXCopySubBufferMESA instead of swapping buffers,
// app/gfx/present.h), a frame only needs to draw what changed:
//
//   - The named fixed windows (Canvases, Controls, Metrics, Status) are fixed, non-overlapping
//     regions without a background of their own. For each, a hash of its draw lists (vertices,
//     indices, commands, and for user callbacks what they draw: DensityRenderer's image copies
//     hash the image's version) is compared with the last frame's. An unchanged window is not
//     drawn at all. In a changed one, each 32 x 32 tile gets its own hash (the triangles that
//     touch it, in draw order, with their texture and scissor box; the callbacks that cover it),
//     and only the tiles that changed, merged into at most kMaxRects rectangles, are cleared to
//     the window colour (except where an opaque image copy of its own will cover them) and drawn
//     again: the window's commands with their scissor boxes cut to the rectangle (the backend's
//     own integer arithmetic, so the same pixels), its callbacks limited to it by the scissor
//     test. Without tile hashes from the last frame the whole window is drawn. Nothing else
//     draws in a fixed window's rectangle, so this is exactly what a full render gives there.
//   - Anything else (a popup, a tooltip, the About window, ImGui's background or foreground draw
//     lists), a callback of unknown effect, fixed windows that moved, overlap on a pixel or
//     appeared, and the first frame make it a full render: clear everything, draw everything. A
//     frame after one with floating windows is full too (what they covered must come back).
//
// The result is pixel-identical to a full render (checked every frame with
// `samplescope --check-partial`, tests/app/xvfb_smoke.sh). render() returns the rectangles that
// changed, for presentation. All methods need a current OpenGL 3.3 context and an initialised
// OpenGL3 backend.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ss::gfx {

/// A framebuffer rectangle in OpenGL window coordinates (row 0 at the bottom), x1 and y1
/// exclusive.
struct GlRect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool empty() const { return x1 <= x0 || y1 <= y0; }
  bool operator==(const GlRect&) const = default;
};

/// `rect` minus the union of `holes`, as disjoint rectangles (horizontal bands).
std::vector<GlRect> subtract_rects(const GlRect& rect, const std::vector<GlRect>& holes);

class PartialRenderer {
 public:
  /// Describes a user callback for the hash: sets `content` (changes whenever the callback's
  /// pixels would) and `opaque` (a rectangle it overwrites completely, or an empty one) and
  /// returns true; false when the callback is not one it knows.
  using Describe = std::function<bool(const ImDrawCmd&, std::uint64_t& content, int opaque[4])>;

  /// Limits what the known callbacks draw to a rectangle (x0, y0, x1, y1, OpenGL window
  /// coordinates) while part of a window is drawn again; null lifts the limit.
  using Limit = std::function<void(const int* rect)>;

  /// `fixed_windows`: names of the windows that may be left as they are; `clear_color`: the
  /// window colour (the framebuffer's colour where no window draws).
  PartialRenderer(std::vector<std::string> fixed_windows, ImVec4 clear_color, Describe describe,
                  Limit limit = nullptr);

  /// Tiles (kTile × kTile framebuffer pixels) of a changed window are hashed apart, and only
  /// the tiles that changed are drawn again (at most kMaxRects rectangles per window).
  static constexpr int kTile = 32;
  static constexpr int kMaxRects = 6;

  struct Result {
    bool full = false;            ///< everything was drawn
    std::vector<GlRect> changed;  ///< rectangles drawn this frame (the whole framebuffer if full)
  };
  /// Renders `dd` into the bound framebuffer. Unless `force_full`, the framebuffer must hold what
  /// the previous call left there.
  Result render(ImDrawData* dd, bool force_full);

  struct Stats {
    long full = 0, partial = 0;  ///< frames drawn in full / partially
    long windows_drawn = 0;      ///< fixed windows drawn again in partial frames
    long windows_kept = 0;       ///< fixed windows left as they were in partial frames
    long pixels_drawn = 0;       ///< framebuffer pixels drawn again in partial frames
  };
  const Stats& stats() const { return stats_; }

 private:
  struct Window {
    GlRect rect;
    std::uint64_t hash = 0;
    bool cacheable = true;
    std::vector<std::uint64_t> tiles;  ///< per tile, row-major from the rectangle's corner
  };
  std::vector<std::uint64_t> tile_hashes(const ImDrawData* dd,
                                         const std::vector<ImDrawList*>& lists, const GlRect& rect,
                                         int fb_h) const;
  std::vector<std::string> names_;
  ImVec4 clear_;
  Describe describe_;
  Limit limit_;
  std::map<std::string, Window> last_;  // the previous frame's fixed windows
  bool last_valid_ = false, last_floating_ = false;
  int last_w_ = 0, last_h_ = 0;
  Stats stats_;
};

}  // namespace ss::gfx
