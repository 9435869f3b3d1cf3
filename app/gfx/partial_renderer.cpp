#include "app/gfx/partial_renderer.h"

#include <GL/gl.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cmath>

#include "app/gfx/retained_renderer.h"

namespace ss::gfx {

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h = (h ^ v) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

// Renders `lists` with the backend as one ImDrawData over the display area of `dd` (the same
// projection and clip rectangles as a full render, so the same pixels).
void render_lists(const ImDrawData* dd, ImDrawList* const* lists, int count) {
  if (count <= 0) return;
  ImDrawData part;
  part.Valid = true;
  part.CmdLists = const_cast<ImDrawList**>(lists);
  part.CmdListsCount = count;
  for (int i = 0; i < count; ++i) {
    part.TotalVtxCount += lists[i]->VtxBuffer.Size;
    part.TotalIdxCount += lists[i]->IdxBuffer.Size;
  }
  part.DisplayPos = dd->DisplayPos;
  part.DisplaySize = dd->DisplaySize;
  part.FramebufferScale = dd->FramebufferScale;
  ImGui_ImplOpenGL3_RenderDrawData(&part);
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
                                 Describe describe)
    : names_(std::move(fixed_windows)), clear_(clear_color), describe_(std::move(describe)) {}

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
    glEnable(GL_SCISSOR_TEST);
    for (auto& [name, g] : groups) {
      const Window& old = last_[name];
      if (g.w.cacheable && old.cacheable && g.w.hash == old.hash) {
        ++stats_.windows_kept;
        continue;
      }
      // Where the window's own opaque image copies land the old pixels are overwritten anyway.
      glEnable(GL_SCISSOR_TEST);
      for (const GlRect& r : subtract_rects(g.w.rect, g.opaque)) clear_rect(r);
      render_lists(dd, g.lists.data(), int(g.lists.size()));
      res.changed.push_back(g.w.rect);
      ++stats_.windows_drawn;
    }
    ++stats_.partial;
  }
  if (scissor)
    glEnable(GL_SCISSOR_TEST);
  else
    glDisable(GL_SCISSOR_TEST);

  last_.clear();
  for (auto& [name, g] : groups) last_[name] = g.w;
  last_floating_ = floating;
  last_valid_ = true;
  last_w_ = fb_w, last_h_ = fb_h;
  return res;
}

}  // namespace ss::gfx
