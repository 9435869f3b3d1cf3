#include "app/gfx/partial_renderer.h"

#include <GL/gl.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "app/gfx/retained_renderer.h"

namespace ss::gfx {

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h = (h ^ v) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

// A display-coordinate rectangle on whole framebuffer pixels (GL window coordinates), grown to
// the pixels it touches.
GlRect to_pixels(const ImDrawData* dd, float x0, float y0, float x1, float y1, int fb_h) {
  const ImVec2 p = dd->DisplayPos, s = dd->FramebufferScale;
  GlRect r;
  r.x0 = int(std::floor((x0 - p.x) * s.x));
  r.x1 = int(std::ceil((x1 - p.x) * s.x));
  r.y0 = fb_h - int(std::ceil((y1 - p.y) * s.y));
  r.y1 = fb_h - int(std::floor((y0 - p.y) * s.y));
  return r;
}

GlRect intersect(const GlRect& a, const GlRect& b) {
  return GlRect{std::max(a.x0, b.x0), std::max(a.y0, b.y0), std::min(a.x1, b.x1),
                std::min(a.y1, b.y1)};
}

// The pixels the triangles of command `c` can touch.
GlRect vertex_bounds(const ImDrawData* dd, const ImDrawList& list, const ImDrawCmd& c, int fb_h) {
  float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (unsigned i = 0; i < c.ElemCount; ++i) {
    const ImDrawVert& v = list.VtxBuffer[int(c.VtxOffset + list.IdxBuffer[int(c.IdxOffset + i)])];
    x0 = std::min(x0, v.pos.x), y0 = std::min(y0, v.pos.y);
    x1 = std::max(x1, v.pos.x), y1 = std::max(y1, v.pos.y);
  }
  if (!(x1 >= x0)) return GlRect{};
  return to_pixels(dd, x0, y0, x1, y1, fb_h);
}

bool contains(const GlRect& outer, const GlRect& inner) {
  return inner.empty() || (inner.x0 >= outer.x0 && inner.y0 >= outer.y0 && inner.x1 <= outer.x1 &&
                           inner.y1 <= outer.y1);
}

// The scissor box ImGui's OpenGL3 backend sets for a clip rectangle (display position 0,
// framebuffer scale 1), in OpenGL window coordinates: the same integer truncations.
GlRect backend_scissor(const ImVec4& clip, int fb_h) {
  if (clip.z <= clip.x || clip.w <= clip.y) return GlRect{};
  const int x0 = int(clip.x), y0 = int(float(fb_h) - clip.w);
  return GlRect{x0, y0, x0 + int(clip.z - clip.x), y0 + int(clip.w - clip.y)};
}

// The clip rectangle for which the backend sets the scissor box `r` (the inverse of
// backend_scissor on whole pixels); an empty one makes the backend skip the command.
ImVec4 clip_for_scissor(const GlRect& r, int fb_h) {
  if (r.empty()) return ImVec4(0, 0, 0, 0);
  return ImVec4(float(r.x0), float(fb_h - r.y1), float(r.x1), float(fb_h - r.y0));
}

std::uint64_t hash_bytes(std::uint64_t h, const void* data, size_t n) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = mix(h, w);
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, p + i, n - i);
  return mix(h, tail ^ (std::uint64_t(n) << 56));
}

// Damaged tiles (row-major nx × ny over `rect`) as at most `max_rects` rectangles covering them:
// runs along each row, runs of equal extent merged downwards, then the pair whose bounding box
// adds the fewest pixels merged until few enough are left.
std::vector<GlRect> damage_rects(const std::vector<char>& damaged, int nx, int ny,
                                 const GlRect& rect, int tile, size_t max_rects) {
  std::vector<GlRect> out;
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx;) {
      if (!damaged[size_t(j) * size_t(nx) + size_t(i)]) {
        ++i;
        continue;
      }
      int k = i;
      while (k < nx && damaged[size_t(j) * size_t(nx) + size_t(k)]) ++k;
      const GlRect r{rect.x0 + i * tile, rect.y0 + j * tile, std::min(rect.x1, rect.x0 + k * tile),
                     std::min(rect.y1, rect.y0 + (j + 1) * tile)};
      bool merged = false;
      for (GlRect& o : out)
        if (o.x0 == r.x0 && o.x1 == r.x1 && o.y1 == r.y0) {
          o.y1 = r.y1;
          merged = true;
          break;
        }
      if (!merged) out.push_back(r);
      i = k;
    }
  const auto area = [](const GlRect& r) { return long(r.x1 - r.x0) * long(r.y1 - r.y0); };
  while (out.size() > max_rects) {
    size_t ba = 0, bb = 1;
    long best = -1;
    for (size_t a = 0; a < out.size(); ++a)
      for (size_t b = a + 1; b < out.size(); ++b) {
        const GlRect u{std::min(out[a].x0, out[b].x0), std::min(out[a].y0, out[b].y0),
                       std::max(out[a].x1, out[b].x1), std::max(out[a].y1, out[b].y1)};
        const long extra = area(u) - area(out[a]) - area(out[b]);
        if (best < 0 || extra < best) best = extra, ba = a, bb = b;
      }
    out[ba] = GlRect{std::min(out[ba].x0, out[bb].x0), std::min(out[ba].y0, out[bb].y0),
                     std::max(out[ba].x1, out[bb].x1), std::max(out[ba].y1, out[bb].y1)};
    out.erase(out.begin() + std::ptrdiff_t(bb));
  }
  return out;
}

void clear_rect(const GlRect& r) {
  if (r.empty()) return;
  glScissor(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
  glClear(GL_COLOR_BUFFER_BIT);
}

}  // namespace

std::vector<GlRect> subtract_rects(const GlRect& rect, const std::vector<GlRect>& holes) {
  std::vector<GlRect> out;
  if (rect.empty()) return out;
  std::vector<GlRect> hs;
  for (const GlRect& h : holes) {
    const GlRect c = intersect(rect, h);
    if (!c.empty()) hs.push_back(c);
  }
  // Horizontal bands between consecutive hole edges; in each, the uncovered x intervals.
  std::vector<int> ys = {rect.y0, rect.y1};
  for (const GlRect& h : hs) ys.push_back(h.y0), ys.push_back(h.y1);
  std::sort(ys.begin(), ys.end());
  ys.erase(std::unique(ys.begin(), ys.end()), ys.end());
  std::vector<std::pair<int, int>> cover;
  for (size_t b = 0; b + 1 < ys.size(); ++b) {
    const int y0 = ys[b], y1 = ys[b + 1];
    cover.clear();
    for (const GlRect& h : hs)
      if (h.y0 <= y0 && h.y1 >= y1) cover.emplace_back(h.x0, h.x1);
    std::sort(cover.begin(), cover.end());
    int x = rect.x0;
    const auto emit = [&](int x0, int x1) {
      if (x1 <= x0) return;
      // Merge with the band below when it has the same x interval.
      for (GlRect& o : out)
        if (o.x0 == x0 && o.x1 == x1 && o.y1 == y0) {
          o.y1 = y1;
          return;
        }
      out.push_back(GlRect{x0, y0, x1, y1});
    };
    for (const auto& [c0, c1] : cover) {
      emit(x, c0);
      x = std::max(x, c1);
    }
    emit(x, rect.x1);
  }
  return out;
}

PartialRenderer::PartialRenderer(std::vector<std::string> fixed_windows, ImVec4 clear_color,
                                 Describe describe, Limit limit)
    : names_(std::move(fixed_windows)),
      clear_(clear_color),
      describe_(std::move(describe)),
      limit_(std::move(limit)) {}

std::vector<std::uint64_t> PartialRenderer::tile_hashes(const ImDrawData* dd,
                                                        const std::vector<ImDrawList*>& lists,
                                                        const GlRect& rect, int fb_h) const {
  const int nx = (rect.x1 - rect.x0 + kTile - 1) / kTile;
  const int ny = (rect.y1 - rect.y0 + kTile - 1) / kTile;
  std::vector<std::uint64_t> tiles(size_t(nx) * size_t(ny));
  for (size_t t = 0; t < tiles.size(); ++t) tiles[t] = mix(0x13198A2E03707344ull, t);
  // Mixes `h` into every tile the pixel rectangle `r` touches, in draw order.
  const auto touch = [&](GlRect r, std::uint64_t h) {
    r = intersect(r, rect);
    if (r.empty()) return;
    const int i0 = (r.x0 - rect.x0) / kTile, i1 = (r.x1 - 1 - rect.x0) / kTile;
    const int j0 = (r.y0 - rect.y0) / kTile, j1 = (r.y1 - 1 - rect.y0) / kTile;
    for (int j = j0; j <= j1; ++j)
      for (int i = i0; i <= i1; ++i) {
        std::uint64_t& t = tiles[size_t(j) * size_t(nx) + size_t(i)];
        t = mix(t, h);
      }
  };
  for (const ImDrawList* list : lists)
    for (const ImDrawCmd& c : list->CmdBuffer) {
      if (c.UserCallback == ImDrawCallback_ResetRenderState) continue;
      if (c.UserCallback) {
        std::uint64_t content = 0;
        int op[4] = {0, 0, 0, 0};
        describe_(c, content, op);  // known: the window is cacheable
        const GlRect o{op[0], op[1], op[2], op[3]};
        touch(o.empty()
                  ? to_pixels(dd, c.ClipRect.x, c.ClipRect.y, c.ClipRect.z, c.ClipRect.w, fb_h)
                  : o,
              content);
        continue;
      }
      const GlRect scissor = backend_scissor(c.ClipRect, fb_h);
      if (scissor.empty()) continue;
      // What a triangle's pixels depend on besides its vertices: the texture and the scissor box.
      const std::uint64_t texture =
          mix(mix(std::uint64_t(reinterpret_cast<std::uintptr_t>(c.GetTexID())),
                  std::uint64_t(std::uint32_t(scissor.x0)) | std::uint64_t(scissor.y0) << 32),
              std::uint64_t(std::uint32_t(scissor.x1)) | std::uint64_t(scissor.y1) << 32);
      for (unsigned e = 0; e + 3 <= c.ElemCount; e += 3) {
        const ImDrawVert* v[3];
        float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
        std::uint64_t h = texture;
        for (int k = 0; k < 3; ++k) {
          v[k] = &list->VtxBuffer[int(c.VtxOffset + list->IdxBuffer[int(c.IdxOffset + e) + k])];
          x0 = std::min(x0, v[k]->pos.x), x1 = std::max(x1, v[k]->pos.x);
          y0 = std::min(y0, v[k]->pos.y), y1 = std::max(y1, v[k]->pos.y);
          h = hash_bytes(h, v[k], sizeof(ImDrawVert));
        }
        if (!(x1 >= x0 && y1 >= y0)) continue;
        touch(intersect(to_pixels(dd, x0, y0, x1, y1, fb_h), scissor), h);
      }
    }
  return tiles;
}

PartialRenderer::Result PartialRenderer::render(ImDrawData* dd, bool force_full) {
  Result res;
  if (!dd || !dd->Valid) return res;
  const int fb_w = int(std::lround(dd->DisplaySize.x * dd->FramebufferScale.x));
  const int fb_h = int(std::lround(dd->DisplaySize.y * dd->FramebufferScale.y));
  if (fb_w <= 0 || fb_h <= 0) return res;

  // The draw lists by fixed window (a window's child windows belong to it), in draw order.
  struct Group {
    Window w;
    std::vector<ImDrawList*> lists;
    std::vector<GlRect> opaque;
  };
  std::map<std::string, Group> groups;
  // A frame after one with floating windows is full: what they covered has to come back.
  bool full = force_full || !last_valid_ || last_floating_ || fb_w != last_w_ || fb_h != last_h_;
  bool floating = false;
  for (int i = 0; i < dd->CmdListsCount; ++i) {
    ImDrawList* list = dd->CmdLists[i];
    const char* owner = list->_OwnerName;
    ImGuiWindow* window = owner ? ImGui::FindWindowByName(owner) : nullptr;
    ImGuiWindow* root = window ? window->RootWindow : nullptr;
    if (!root || std::find(names_.begin(), names_.end(), root->Name) == names_.end()) {
      floating = full = true;  // a popup, a tooltip, a free window, ImGui's own lists
      continue;
    }
    const auto [it, fresh] = groups.try_emplace(root->Name);
    Group& g = it->second;
    if (fresh) {
      g.w.rect = intersect(to_pixels(dd, root->Pos.x, root->Pos.y, root->Pos.x + root->Size.x,
                                     root->Pos.y + root->Size.y, fb_h),
                           GlRect{0, 0, fb_w, fb_h});
      g.w.hash = mix(0x243F6A8885A308D3ull,
                     std::uint64_t(g.w.rect.x0) | (std::uint64_t(g.w.rect.y0) << 16) |
                         (std::uint64_t(g.w.rect.x1) << 32) | (std::uint64_t(g.w.rect.y1) << 48));
    }
    g.lists.push_back(list);
    g.w.hash = mix(g.w.hash, RetainedRenderer::hash_draw_list(*list));
    for (const ImDrawCmd& c : list->CmdBuffer) {
      // Nothing a fixed window draws may land outside its rectangle: the other windows are not
      // drawn again when it changes.
      if (!c.UserCallback && c.ElemCount == 0) continue;
      GlRect reach =
          intersect(to_pixels(dd, c.ClipRect.x, c.ClipRect.y, c.ClipRect.z, c.ClipRect.w, fb_h),
                    GlRect{0, 0, fb_w, fb_h});
      if (!c.UserCallback && !contains(g.w.rect, reach))
        reach = intersect(reach, vertex_bounds(dd, *list, c, fb_h));  // a wide clip rectangle
      if (!contains(g.w.rect, reach)) {
        full = true;
      }
      if (!c.UserCallback || c.UserCallback == ImDrawCallback_ResetRenderState) continue;
      std::uint64_t content = 0;
      int op[4] = {0, 0, 0, 0};
      if (describe_ && describe_(c, content, op)) {
        g.w.hash = mix(g.w.hash, content);
        const GlRect o{op[0], op[1], op[2], op[3]};
        if (!o.empty()) {
          if (!contains(g.w.rect, o)) full = true;
          g.opaque.push_back(o);
        }
      } else {
        g.w.cacheable = false;  // unknown effect: drawn every frame
      }
    }
  }
  // The same fixed windows in the same places as last frame, none overlapping another.
  if (!full && groups.size() != last_.size()) full = true;
  for (auto a = groups.begin(); !full && a != groups.end(); ++a) {
    const auto old = last_.find(a->first);
    if (old == last_.end() || !(old->second.rect == a->second.w.rect)) full = true;
    for (auto b = std::next(a); !full && b != groups.end(); ++b)
      if (!intersect(a->second.w.rect, b->second.w.rect).empty()) full = true;
  }

  GLboolean scissor = glIsEnabled(GL_SCISSOR_TEST);
  glClearColor(clear_.x, clear_.y, clear_.z, 1.0f);
  if (full) {
    glDisable(GL_SCISSOR_TEST);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(dd);
    res.full = true;
    res.changed.push_back(GlRect{0, 0, fb_w, fb_h});
    ++stats_.full;
  } else {
    // Parts of windows are drawn with narrowed clip rectangles, which needs the backend's
    // scissor arithmetic on whole pixels (framebuffer scale 1, display at the origin).
    const bool by_tiles = describe_ && limit_ && dd->FramebufferScale.x == 1.0f &&
                          dd->FramebufferScale.y == 1.0f && dd->DisplayPos.x == 0.0f &&
                          dd->DisplayPos.y == 0.0f;
    std::vector<ImVec4> saved;
    for (auto& [name, g] : groups) {
      Window& old = last_[name];
      if (g.w.cacheable && old.cacheable && g.w.hash == old.hash) {
        g.w.tiles = std::move(old.tiles);  // still what is on screen
        ++stats_.windows_kept;
        continue;
      }
      std::vector<GlRect> parts = {g.w.rect};
      if (by_tiles && g.w.cacheable) {
        g.w.tiles = tile_hashes(dd, g.lists, g.w.rect, fb_h);
        if (old.cacheable && old.tiles.size() == g.w.tiles.size()) {
          const int nx = (g.w.rect.x1 - g.w.rect.x0 + kTile - 1) / kTile;
          const int ny = (g.w.rect.y1 - g.w.rect.y0 + kTile - 1) / kTile;
          std::vector<char> damaged(g.w.tiles.size());
          for (size_t t = 0; t < damaged.size(); ++t) damaged[t] = g.w.tiles[t] != old.tiles[t];
          parts = damage_rects(damaged, nx, ny, g.w.rect, kTile, kMaxRects);
        }
      }
      for (const GlRect& d : parts) {
        // Where the window's own opaque image copies land the old pixels are overwritten anyway.
        glEnable(GL_SCISSOR_TEST);
        std::vector<GlRect> holes;
        for (const GlRect& o : g.opaque) holes.push_back(intersect(o, d));
        for (const GlRect& r : subtract_rects(d, holes)) clear_rect(r);
        const bool whole = d == g.w.rect;
        if (whole) {
          render_lists(dd, g.lists.data(), int(g.lists.size()), dd->DisplayPos, dd->DisplaySize);
        } else {
          // The same commands with their scissor boxes cut to d; the callbacks keep their clip
          // rectangles (their pixels are computed from them) and are limited to d instead.
          saved.clear();
          for (ImDrawList* list : g.lists)
            for (ImDrawCmd& c : list->CmdBuffer) {
              saved.push_back(c.ClipRect);
              if (!c.UserCallback)
                c.ClipRect =
                    clip_for_scissor(intersect(backend_scissor(c.ClipRect, fb_h), d), fb_h);
            }
          const int box[4] = {d.x0, d.y0, d.x1, d.y1};
          limit_(box);
          render_lists(dd, g.lists.data(), int(g.lists.size()), dd->DisplayPos, dd->DisplaySize);
          limit_(nullptr);
          size_t k = 0;
          for (ImDrawList* list : g.lists)
            for (ImDrawCmd& c : list->CmdBuffer) c.ClipRect = saved[k++];
        }
        res.changed.push_back(d);
        stats_.pixels_drawn += long(d.x1 - d.x0) * long(d.y1 - d.y0);
      }
      ++stats_.windows_drawn;
    }
    ++stats_.partial;
  }
  if (scissor)
    glEnable(GL_SCISSOR_TEST);
  else
    glDisable(GL_SCISSOR_TEST);

  last_.clear();
  for (auto& [name, g] : groups) {
    // Tile hashes stay valid only while they describe what is on screen.
    if (full) g.w.tiles.clear();
    last_[name] = std::move(g.w);
  }
  last_floating_ = floating;
  last_valid_ = true;
  last_w_ = fb_w, last_h_ = fb_h;
  return res;
}

}  // namespace ss::gfx
