#include "app/plot/raster.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "app/plot/markers.h"

namespace ss::plot {

namespace {

inline std::uint32_t channel(std::uint32_t c, int shift) {
  return (c >> shift) & 0xFFu;
}

// Straight-alpha "source over": `a` is the source's effective alpha in 0..255.
inline std::uint32_t over(std::uint32_t dst, std::uint32_t r, std::uint32_t g, std::uint32_t b,
                          std::uint32_t a) {
  if (a == 0) return dst;
  const std::uint32_t ia = 255 - a;
  const std::uint32_t dr = channel(dst, IM_COL32_R_SHIFT), dg = channel(dst, IM_COL32_G_SHIFT);
  const std::uint32_t db = channel(dst, IM_COL32_B_SHIFT), da = channel(dst, IM_COL32_A_SHIFT);
  const std::uint32_t oa = a + (da * ia + 127) / 255;
  if (oa == 0) return 0;
  // Colour weights: the source's share a, the destination's share da·(1 − a) (both over oa).
  const std::uint32_t wd = (da * ia + 127) / 255;
  const auto mix = [&](std::uint32_t s, std::uint32_t d) { return (s * a + d * wd + oa / 2) / oa; };
  return IM_COL32(std::min(255u, mix(r, dr)), std::min(255u, mix(g, dg)),
                  std::min(255u, mix(b, db)), std::min(255u, oa));
}

}  // namespace

void Raster::resize(int w, int h) {
  w_ = std::max(0, w);
  h_ = std::max(0, h);
  px_.resize(size_t(w_) * size_t(h_));
}

std::uint32_t Raster::pixel(int x, int y) const {
  if (x < 0 || y < 0 || x >= w_ || y >= h_) return 0;
  return px_[size_t(y) * size_t(w_) + size_t(x)];
}

void Raster::fill(ImU32 col) {
  std::fill(px_.begin(), px_.end(), std::uint32_t(col));
}

void Raster::copy(const std::uint32_t* src) {
  if (!px_.empty()) std::memcpy(px_.data(), src, px_.size() * sizeof(std::uint32_t));
}

void Raster::blend_image(const std::uint32_t* src) {
  for (size_t i = 0; i < px_.size(); ++i) {
    const std::uint32_t s = src[i];
    const std::uint32_t a = channel(s, IM_COL32_A_SHIFT);
    if (a == 0) continue;
    px_[i] = over(px_[i], channel(s, IM_COL32_R_SHIFT), channel(s, IM_COL32_G_SHIFT),
                  channel(s, IM_COL32_B_SHIFT), a);
  }
}

void Raster::blend(int x, int y, ImU32 col, float coverage) {
  if (x < 0 || y < 0 || x >= w_ || y >= h_ || !(coverage > 0)) return;
  const float cov = std::min(coverage, 1.0f);
  const std::uint32_t a = std::uint32_t(std::lround(float(channel(col, IM_COL32_A_SHIFT)) * cov));
  std::uint32_t& d = px_[size_t(y) * size_t(w_) + size_t(x)];
  d = over(d, channel(col, IM_COL32_R_SHIFT), channel(col, IM_COL32_G_SHIFT),
           channel(col, IM_COL32_B_SHIFT), a);
}

void Raster::draw_markers(std::span<const ImVec2> centers, float diameter, ImU32 col) {
  if (centers.empty() || !(diameter > 0) || px_.empty()) return;
  // The geometry of draw_markers() (markers.cpp): sprite d + 2 pixels wide on whole pixels up to
  // the largest sprite, that sprite scaled up (nearest texel) beyond.
  const int d = std::clamp(int(std::lround(diameter)), 1, kMaxMarkerSprite);
  const int n = d + 2;
  const float side = float(n) * (diameter > kMaxMarkerSprite ? diameter / float(d) : 1.0f);
  const float h = 0.5f * side;
  const bool snap = diameter <= kMaxMarkerSprite;
  const std::vector<unsigned>& sprite = marker_sprite(d);
  const std::uint32_t cr = channel(col, IM_COL32_R_SHIFT), cg = channel(col, IM_COL32_G_SHIFT);
  const std::uint32_t cb = channel(col, IM_COL32_B_SHIFT), ca = channel(col, IM_COL32_A_SHIFT);
  for (const ImVec2& p : centers) {
    const float ax = snap ? std::floor(p.x - h + 0.5f) : p.x - h;
    const float ay = snap ? std::floor(p.y - h + 0.5f) : p.y - h;
    if (!(std::isfinite(ax) && std::isfinite(ay))) continue;
    const int x0 = std::max(0, int(std::floor(ax))), x1 = std::min(w_, int(std::ceil(ax + side)));
    const int y0 = std::max(0, int(std::floor(ay))), y1 = std::min(h_, int(std::ceil(ay + side)));
    for (int y = y0; y < y1; ++y) {
      const float v = (float(y) + 0.5f - ay) / side;
      if (v < 0 || v >= 1) continue;
      const int ty = std::min(n - 1, int(v * float(n)));
      std::uint32_t* row = px_.data() + size_t(y) * size_t(w_);
      for (int x = x0; x < x1; ++x) {
        const float u = (float(x) + 0.5f - ax) / side;
        if (u < 0 || u >= 1) continue;
        const int tx = std::min(n - 1, int(u * float(n)));
        const std::uint32_t s = sprite[size_t(ty * n + tx)];
        const std::uint32_t sa = channel(s, IM_COL32_A_SHIFT);
        if (sa == 0) continue;
        // The GPU multiplies texel and vertex colour: white share × tint, alpha × alpha.
        const std::uint32_t wv = channel(s, IM_COL32_R_SHIFT);
        row[x] = over(row[x], (wv * cr + 127) / 255, (wv * cg + 127) / 255, (wv * cb + 127) / 255,
                      (sa * ca + 127) / 255);
      }
    }
  }
}

void Raster::draw_line(ImVec2 a, ImVec2 b, ImU32 col, float width) {
  if (px_.empty() || !(width > 0)) return;
  if (!(std::isfinite(a.x) && std::isfinite(a.y) && std::isfinite(b.x) && std::isfinite(b.y)))
    return;
  const bool x_major = std::abs(b.x - a.x) >= std::abs(b.y - a.y);
  // Walk the major axis one pixel column (or row) at a time; across it the line is a band of
  // half-height hv around its centre, and a pixel's coverage is the box-filtered overlap.
  float a0 = x_major ? a.x : a.y, a1 = x_major ? b.x : b.y;  // major coordinate
  float m0 = x_major ? a.y : a.x, m1 = x_major ? b.y : b.x;  // minor coordinate
  if (a0 > a1) std::swap(a0, a1), std::swap(m0, m1);
  const float run = a1 - a0;
  if (run < 1e-4f) return;
  const float slope = (m1 - m0) / run;
  const float hv = 0.5f * width * std::sqrt(1.0f + slope * slope);
  const int major_size = x_major ? w_ : h_, minor_size = x_major ? h_ : w_;
  const int i0 = std::max(0, int(std::floor(a0))), i1 = std::min(major_size - 1, int(a1));
  const std::uint32_t cr = channel(col, IM_COL32_R_SHIFT), cg = channel(col, IM_COL32_G_SHIFT);
  const std::uint32_t cb = channel(col, IM_COL32_B_SHIFT);
  const float ca = float(channel(col, IM_COL32_A_SHIFT));
  for (int i = i0; i <= i1; ++i) {
    const float span = std::min(float(i + 1), a1) - std::max(float(i), a0);
    if (span <= 0) continue;
    const float c = std::clamp(float(i) + 0.5f, a0, a1);
    const float mc = m0 + (c - a0) * slope;
    const int j0 = std::max(0, int(std::floor(mc - hv - 0.5f)));
    const int j1 = std::min(minor_size - 1, int(std::floor(mc + hv + 0.5f)));
    const float weight = ca * std::min(span, 1.0f);
    for (int j = j0; j <= j1; ++j) {
      const float cov = std::clamp(hv + 0.5f - std::abs(float(j) + 0.5f - mc), 0.0f, 1.0f);
      const std::uint32_t alpha = std::uint32_t(weight * cov + 0.5f);
      std::uint32_t& d = x_major ? px_[size_t(j) * size_t(w_) + size_t(i)]
                                 : px_[size_t(i) * size_t(w_) + size_t(j)];
      d = over(d, cr, cg, cb, alpha);
    }
  }
}

void Raster::fill_triangle(ImVec2 a, ImVec2 b, ImVec2 c, ImU32 col) {
  if (px_.empty()) return;
  const float area = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
  if (!(std::abs(area) > 1e-6f)) return;
  if (area < 0) std::swap(b, c);  // counter-clockwise in (x right, y down) terms from here on
  const ImVec2 v[3] = {a, b, c};
  // Inward unit normals: coverage ≈ 0.5 + the smallest signed distance to an edge.
  float nx[3], ny[3], off[3];
  for (int k = 0; k < 3; ++k) {
    const ImVec2 p = v[k], q = v[(k + 1) % 3];
    const float ex = q.x - p.x, ey = q.y - p.y, len = std::sqrt(ex * ex + ey * ey);
    nx[k] = -ey / len;
    ny[k] = ex / len;
    off[k] = -(nx[k] * p.x + ny[k] * p.y);
  }
  const float xmin = std::min({a.x, b.x, c.x}), xmax = std::max({a.x, b.x, c.x});
  const float ymin = std::min({a.y, b.y, c.y}), ymax = std::max({a.y, b.y, c.y});
  const int x0 = std::max(0, int(std::floor(xmin))), x1 = std::min(w_ - 1, int(xmax));
  const int y0 = std::max(0, int(std::floor(ymin))), y1 = std::min(h_ - 1, int(ymax));
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) {
      const float px = float(x) + 0.5f, py = float(y) + 0.5f;
      float dmin = 1e30f;
      for (int k = 0; k < 3; ++k) dmin = std::min(dmin, nx[k] * px + ny[k] * py + off[k]);
      blend(x, y, col, std::clamp(0.5f + dmin, 0.0f, 1.0f));
    }
}

void Raster::draw_arrow(ImVec2 a, ImVec2 b, ImU32 col, float width, float max_head) {
  const float dx = b.x - a.x, dy = b.y - a.y, len = std::sqrt(dx * dx + dy * dy);
  if (!std::isfinite(len)) return;
  if (len < 3) {
    draw_line(a, b, col, width);
    return;
  }
  const float ux = dx / len, uy = dy / len, hs = std::min(max_head, 0.35f * len);
  // The shaft stops where the head begins, so the two do not blend twice.
  draw_line(a, ImVec2(b.x - hs * ux, b.y - hs * uy), col, width);
  fill_triangle(b, ImVec2(b.x - hs * ux + 0.5f * hs * uy, b.y - hs * uy - 0.5f * hs * ux),
                ImVec2(b.x - hs * ux - 0.5f * hs * uy, b.y - hs * uy + 0.5f * hs * ux), col);
}

}  // namespace ss::plot
