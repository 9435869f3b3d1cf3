// DensityRenderer: draws scalar grids (the grid reference's cell masses, a flow's log density) as
// heat maps and contour lines with our GLSL program (shaders/density.{vert,frag}, read at run time
// from a shader folder), inside Dear ImGui's draw lists.
//
// Grids are uploaded once per change into float textures (slots chosen by the caller); draw()
// queues an ImDrawList callback that renders a textured quad at the right point of ImGui's draw
// order, clipped to the current clip rectangle, then asks the backend to restore its state. All
// methods need a current OpenGL 3.3 context; headless UI tests simply do not create one of these.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace ss::gfx {

/// How to colour one grid.
struct HeatmapStyle {
  int mode = 0;           ///< 0: heat map of masses; 1: contour lines of a log density only
  int colormap = 0;       ///< 0 viridis, 1 magma, 2 inferno, 3 plasma, 4 grey
  bool log_scale = true;  ///< log colour scale over `decades` decades below the maximum
  float max_value = 1;    ///< largest cell value (mode 0) or largest log density (mode 1)
  float decades = 4;
  int contours = 0;  ///< number of iso-lines (mode 1: 0 means 6)
  float alpha = 1;
  ImVec4 line_color = ImVec4(1, 1, 1, 0.8f);
  /// draw_cached() only: colour of the image outside the grid's box. An opaque one lets the
  /// caller skip its own background fill under the image (one blended layer less per canvas).
  ImVec4 background = ImVec4(0, 0, 0, 0);
};

/// Names of the colour maps in `HeatmapStyle::colormap` order.
inline constexpr const char* kColormapNames[] = {"viridis", "magma", "inferno", "plasma", "grey"};

class DensityRenderer {
 public:
  /// Compiles the program from `shader_dir`/density.{vert,frag}. On failure ok() is false and
  /// error() says which file or which compile step failed (the canvases then show no heat map).
  explicit DensityRenderer(const std::string& shader_dir);
  ~DensityRenderer();
  DensityRenderer(const DensityRenderer&) = delete;
  DensityRenderer& operator=(const DensityRenderer&) = delete;

  bool ok() const { return program_ != 0; }
  const std::string& error() const { return error_; }

  /// Uploads an nx × ny grid (row-major, row 0 at the bottom of the box) into texture `slot`
  /// unless that slot already holds `version`.
  void upload(int slot, std::uint64_t version, const float* values, int nx, int ny);
  /// True when `slot` holds a grid.
  bool has(int slot) const { return textures_.count(slot) > 0; }
  /// Frees the grid in `slot` (no-op when absent).
  void drop_grid(int slot);

  /// Queues the grid in `slot` stretched over the screen rectangle [top_left, bottom_right]
  /// (the grid's box on screen), clipped to dl's current clip rectangle.
  void draw(ImDrawList* dl, int slot, ImVec2 top_left, ImVec2 bottom_right,
            const HeatmapStyle& style);
  /// Like draw(), but renders the grid once into an off-screen image the size of the canvas
  /// [canvas_min, canvas_max] and adds that image to `dl`; the image is re-rendered only when the
  /// grid, the style, the canvas size or the box's place in it change. Canvases that share a view
  /// share `cache_key` (one render serves them all), which keeps the per-frame cost of heat maps
  /// to one textured quad each even on a software rasterizer. With a transparent
  /// `style.background` only the part of the image over the box is drawn. `fb_scale` =
  /// framebuffer pixels per display pixel.
  /// An opaque image (style.background.a = 1) is copied into place with glBlitFramebuffer
  /// instead of drawn as a blended textured quad.
  void draw_cached(ImDrawList* dl, int cache_key, int slot, ImVec2 canvas_min, ImVec2 canvas_max,
                   ImVec2 top_left, ImVec2 bottom_right, const HeatmapStyle& style, float fb_scale);

  /// A cached image on the CPU: straight RGBA8 (IM_COL32 layout), top row first.
  struct CachedImage {
    int width = 0, height = 0;
    std::uint64_t version = 0;  ///< changes whenever the image is rendered again
    std::vector<std::uint32_t> pixels;
  };
  /// The first half of draw_cached(): brings the cached image of `cache_key` up to date and
  /// returns it, with its pixels read back from the GPU (once per render) if `want_pixels`;
  /// nullptr when `slot` holds no grid. The software canvas layer composites on top of it.
  const CachedImage* render_cached(int cache_key, int slot, ImVec2 canvas_min, ImVec2 canvas_max,
                                   ImVec2 top_left, ImVec2 bottom_right, const HeatmapStyle& style,
                                   float fb_scale, bool want_pixels);
  /// Frees the cached image of `cache_key` (no-op when absent).
  void drop_cached(int cache_key);

  /// Uploads an opaque w × h RGBA8 image (IM_COL32 layout, top row first) as image `key`.
  void upload_image(int key, const std::uint32_t* pixels, int w, int h);
  /// Frees image `key` (no-op when absent).
  void drop_image(int key);
  /// Copies image `key` onto the screen rectangle [min, max] (its size in framebuffer pixels
  /// should be the image's) at this point of dl's draw order, clipped to dl's clip rectangle.
  void draw_image(ImDrawList* dl, int key, ImVec2 min, ImVec2 max, float fb_scale);
  /// For renderers that keep pixels from frame to frame (gfx::PartialRenderer): when `cmd` is a
  /// draw this class queued, sets `content` to a hash that changes whenever the pixels it draws
  /// would (the command, the grid or image it shows and that image's contents) and `opaque` to
  /// the framebuffer rectangle it overwrites completely (x0, y0, x1, y1 in OpenGL window
  /// coordinates, row 0 at the bottom; empty, x1 <= x0, when it blends) and returns true; false
  /// for any other callback. Valid between ImGui::Render() and the next begin_frame().
  static bool describe_callback(const ImDrawCmd& cmd, std::uint64_t& content, int opaque[4]);
  /// While `rect` (x0, y0, x1, y1 in OpenGL window coordinates) is set, the draws this class
  /// queued write only inside it (the scissor test); null lifts the limit. gfx::PartialRenderer
  /// redraws parts of a window this way, with the same blits as a full render.
  static void limit_callbacks_to(const int* rect);
  /// Forgets the previous frame's queued draws (call once per frame before drawing).
  void begin_frame() {
    records_.clear();
    blits_.clear();
  }

 private:
  struct Record {
    DensityRenderer* owner;
    unsigned texture;
    ImVec2 a, b;
    HeatmapStyle style;
    std::uint64_t version = 0;  ///< of the grid in `texture`
  };
  struct Cached {
    unsigned fbo = 0, color = 0;
    CachedImage image;
    int width = 0, height = 0;
    std::uint64_t version = 0;
    HeatmapStyle style;
    ImVec2 box_a, box_b;  // box corners relative to the canvas's top-left
  };
  struct Texture {
    unsigned id = 0;
    std::uint64_t version = 0;
  };
  struct Blit {
    unsigned fbo;
    ImVec2 min, max;  // where the image goes on screen
    float fb_scale, image_h;
    bool top_row_first;
    std::uint64_t content;  // version of the image's pixels
  };
  struct Image {
    unsigned texture = 0, fbo = 0;
    int width = 0, height = 0;
    std::uint64_t version = 0;  // changes with every upload
  };
  void queue_blit(ImDrawList* dl, unsigned fbo, ImVec2 min, ImVec2 max, float fb_scale,
                  float image_h, bool top_row_first, std::uint64_t content);
  // The source and destination rectangles (x0, y0, x1, y1; OpenGL window coordinates) of a
  // queued blit clipped to `clip`; false when nothing is left.
  static bool blit_rects(const Blit& b, const ImVec4& clip, int src[4], int dst[4]);
  static void callback(const ImDrawList* list, const ImDrawCmd* cmd);
  static void blit_callback(const ImDrawList* list, const ImDrawCmd* cmd);
  void render(const Record& r, const ImVec4& clip);
  void render_quad(const Record& r, ImVec2 display_pos, ImVec2 display_size);

  static bool limited_;
  static int limit_[4];

  unsigned program_ = 0, vao_ = 0, vbo_ = 0;
  std::map<int, Texture> textures_;
  std::map<int, Cached> cached_;
  std::map<int, Image> images_;
  std::uint64_t image_counter_ = 0;
  // Queued draws and blits: stable addresses until the next begin_frame().
  std::deque<Record> records_;
  std::deque<Blit> blits_;
  std::string error_;
};

}  // namespace ss::gfx
