#include "app/report/soft_render.h"

#include <algorithm>
#include <cmath>

namespace ss::report {

namespace {

struct Rgba {
  float r, g, b, a;
};

Rgba unpack(ImU32 c) {
  return {float((c >> IM_COL32_R_SHIFT) & 0xff), float((c >> IM_COL32_G_SHIFT) & 0xff),
          float((c >> IM_COL32_B_SHIFT) & 0xff), float((c >> IM_COL32_A_SHIFT) & 0xff)};
}

// Edge function of (a → b) at p: twice the signed area of (a, b, p).
float edge(const ImVec2& a, const ImVec2& b, float px, float py) {
  return (b.x - a.x) * (py - a.y) - (b.y - a.y) * (px - a.x);
}

// Top-left rule: of the two triangles sharing an edge (traversed a→b by one, b→a by the other),
// exactly one owns the pixels on it.
bool owns_edge(const ImVec2& a, const ImVec2& b) {
  const float dx = b.x - a.x, dy = b.y - a.y;
  return dy > 0 || (dy == 0 && dx < 0);
}

void fill_triangle(const ImDrawVert& v0, ImDrawVert v1, ImDrawVert v2, const ImVec2& offset,
                   const ImVec4& clip, const Texture& tex, Image& img) {
  ImVec2 p0(v0.pos.x - offset.x, v0.pos.y - offset.y), p1(v1.pos.x - offset.x, v1.pos.y - offset.y),
      p2(v2.pos.x - offset.x, v2.pos.y - offset.y);
  float area = edge(p0, p1, p2.x, p2.y);
  if (!(std::abs(area) > 1e-12f)) return;
  if (area < 0) {
    std::swap(v1, v2);
    std::swap(p1, p2);
    area = -area;
  }
  const int x0 =
      std::max({0, int(std::floor(std::min({p0.x, p1.x, p2.x}))), int(std::floor(clip.x))});
  const int y0 =
      std::max({0, int(std::floor(std::min({p0.y, p1.y, p2.y}))), int(std::floor(clip.y))});
  const int x1 = std::min(
      {img.width - 1, int(std::ceil(std::max({p0.x, p1.x, p2.x}))), int(std::ceil(clip.z)) - 1});
  const int y1 = std::min(
      {img.height - 1, int(std::ceil(std::max({p0.y, p1.y, p2.y}))), int(std::ceil(clip.w)) - 1});
  if (x0 > x1 || y0 > y1) return;
  const bool own0 = owns_edge(p1, p2), own1 = owns_edge(p2, p0), own2 = owns_edge(p0, p1);
  const Rgba c0 = unpack(v0.col), c1 = unpack(v1.col), c2 = unpack(v2.col);
  const bool same_colour = v0.col == v1.col && v1.col == v2.col;
  for (int y = y0; y <= y1; ++y) {
    const float py = float(y) + 0.5f;
    for (int x = x0; x <= x1; ++x) {
      const float px = float(x) + 0.5f;
      const float w0 = edge(p1, p2, px, py), w1 = edge(p2, p0, px, py), w2 = edge(p0, p1, px, py);
      if (w0 < 0 || w1 < 0 || w2 < 0) continue;
      if ((w0 == 0 && !own0) || (w1 == 0 && !own1) || (w2 == 0 && !own2)) continue;
      const float l0 = w0 / area, l1 = w1 / area, l2 = 1.0f - l0 - l1;
      Rgba c = same_colour
                   ? c0
                   : Rgba{l0 * c0.r + l1 * c1.r + l2 * c2.r, l0 * c0.g + l1 * c1.g + l2 * c2.g,
                          l0 * c0.b + l1 * c1.b + l2 * c2.b, l0 * c0.a + l1 * c1.a + l2 * c2.a};
      if (tex.pixels) {
        const float u = l0 * v0.uv.x + l1 * v1.uv.x + l2 * v2.uv.x;
        const float v = l0 * v0.uv.y + l1 * v1.uv.y + l2 * v2.uv.y;
        const int tx = std::clamp(int(u * float(tex.width)), 0, tex.width - 1);
        const int ty = std::clamp(int(v * float(tex.height)), 0, tex.height - 1);
        const unsigned char* t = tex.pixels + 4 * (std::size_t(ty) * tex.width + tx);
        c = {c.r * t[0] / 255.0f, c.g * t[1] / 255.0f, c.b * t[2] / 255.0f, c.a * t[3] / 255.0f};
      }
      const float a = c.a / 255.0f;
      if (a <= 0) continue;
      unsigned char* d = &img.rgba[4 * (std::size_t(y) * img.width + x)];
      d[0] = (unsigned char)std::lround(c.r * a + d[0] * (1 - a));
      d[1] = (unsigned char)std::lround(c.g * a + d[1] * (1 - a));
      d[2] = (unsigned char)std::lround(c.b * a + d[2] * (1 - a));
      d[3] = (unsigned char)std::lround(255.0f * a + d[3] * (1 - a));
    }
  }
}

}  // namespace

void render_draw_data(const ImDrawData& data, const Texture& texture, Image& image) {
  image.rgba.resize(std::size_t(image.width) * image.height * 4);
  for (int n = 0; n < data.CmdListsCount; ++n) {
    const ImDrawList* list = data.CmdLists[n];
    for (const ImDrawCmd& cmd : list->CmdBuffer) {
      if (cmd.UserCallback) continue;
      const ImVec4 clip(cmd.ClipRect.x - data.DisplayPos.x, cmd.ClipRect.y - data.DisplayPos.y,
                        cmd.ClipRect.z - data.DisplayPos.x, cmd.ClipRect.w - data.DisplayPos.y);
      for (unsigned i = 0; i + 2 < cmd.ElemCount; i += 3) {
        const ImDrawIdx* idx = list->IdxBuffer.Data + cmd.IdxOffset + i;
        const ImDrawVert* vtx = list->VtxBuffer.Data + cmd.VtxOffset;
        fill_triangle(vtx[idx[0]], vtx[idx[1]], vtx[idx[2]], data.DisplayPos, clip, texture, image);
      }
    }
  }
}

}  // namespace ss::report
