#include "app/plot/markers.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace ss::plot {

namespace {

struct SpriteTable {
  const ImFontAtlas* atlas = nullptr;
  ImVec2 uv0[kMaxMarkerSprite + 1], uv1[kMaxMarkerSprite + 1];
};

SpriteTable& sprites() {
  static SpriteTable table;
  return table;
}

// Rim width in pixels for a disc of diameter d: none on the tiniest markers (the rim would
// swallow the colour), about 0.7 px on normal ones, a little more on big ones.
double rim_width(int d) {
  return d < 3 ? 0.0 : std::min(1.4, 0.7 + 0.05 * (d - 3));
}

// The sprite of diameter d as a (d + 2)² square with one transparent pixel of padding, 8 × 8
// supersampled coverage.
std::vector<unsigned> make_disc(int d) {
  const int s = d + 2;
  std::vector<unsigned> out(size_t(s * s));
  const double c = 0.5 * s, r_out = 0.5 * d, r_in = r_out - rim_width(d);
  constexpr int kSub = 8;
  constexpr double kRimAlpha = 0.8;
  for (int py = 0; py < s; ++py)
    for (int px = 0; px < s; ++px) {
      int in = 0, in_outer = 0;
      for (int sy = 0; sy < kSub; ++sy)
        for (int sx = 0; sx < kSub; ++sx) {
          const double dx = px + (sx + 0.5) / kSub - c, dy = py + (sy + 0.5) / kSub - c;
          const double r = std::sqrt(dx * dx + dy * dy);
          in_outer += r <= r_out;
          in += r <= r_in;
        }
      const double cov_in = double(in) / (kSub * kSub);
      const double cov_rim = double(in_outer - in) / (kSub * kSub);
      const double alpha = cov_in + kRimAlpha * cov_rim;
      // Non-premultiplied colour: the white share of what covers the pixel (the rest is black).
      const double white = alpha > 0 ? cov_in / alpha : 0.0;
      const unsigned v = unsigned(std::lround(255 * std::clamp(white, 0.0, 1.0)));
      const unsigned a = unsigned(std::lround(255 * std::clamp(alpha, 0.0, 1.0)));
      out[size_t(py * s + px)] = IM_COL32(v, v, v, a);
    }
  return out;
}

}  // namespace

const std::vector<unsigned>& marker_sprite(int d) {
  static const std::vector<std::vector<unsigned>> table = [] {
    std::vector<std::vector<unsigned>> t(kMaxMarkerSprite + 1);
    for (int k = 1; k <= kMaxMarkerSprite; ++k) t[size_t(k)] = make_disc(k);
    return t;
  }();
  return table[size_t(std::clamp(d, 1, kMaxMarkerSprite))];
}

bool add_marker_sprites(ImFontAtlas* atlas) {
  reset_marker_sprites();
  if (!atlas) return false;
  int ids[kMaxMarkerSprite + 1];
  for (int d = 1; d <= kMaxMarkerSprite; ++d) {
    ids[d] = atlas->AddCustomRectRegular(d + 2, d + 2);
    if (ids[d] < 0) return false;
  }
  if (!atlas->Build()) return false;
  unsigned char* bytes = nullptr;
  int w = 0, h = 0;
  atlas->GetTexDataAsRGBA32(&bytes, &w, &h);
  if (!bytes) return false;
  SpriteTable& t = sprites();
  for (int d = 1; d <= kMaxMarkerSprite; ++d) {
    const ImFontAtlasCustomRect* r = atlas->GetCustomRectByIndex(ids[d]);
    if (!r || !r->IsPacked()) return false;
    const std::vector<unsigned>& sprite = marker_sprite(d);
    unsigned* dst = reinterpret_cast<unsigned*>(bytes);
    for (int y = 0; y < d + 2; ++y)
      std::copy_n(sprite.data() + y * (d + 2), d + 2, dst + (r->Y + y) * w + r->X);
    atlas->CalcCustomRectUV(r, &t.uv0[d], &t.uv1[d]);
  }
  t.atlas = atlas;
  return true;
}

bool marker_sprites_ready() {
  return ImGui::GetCurrentContext() && sprites().atlas && sprites().atlas == ImGui::GetIO().Fonts;
}

void reset_marker_sprites() {
  sprites().atlas = nullptr;
}

void draw_markers(ImDrawList* dl, std::span<const ImVec2> centers, float diameter, ImU32 col) {
  if (centers.empty() || !(diameter > 0)) return;
  if (!marker_sprites_ready()) {
    const float h = 0.5f * diameter;
    for (const ImVec2& p : centers)
      dl->AddRectFilled(ImVec2(p.x - h, p.y - h), ImVec2(p.x + h, p.y + h), col);
    return;
  }
  const SpriteTable& t = sprites();
  const int d = std::clamp(int(std::lround(diameter)), 1, kMaxMarkerSprite);
  // The sprite's square includes one pixel of padding on each side. Up to the largest sprite the
  // quad is drawn at the sprite's own size on whole pixels, so each texel lands on one pixel
  // (crisp under nearest-texel sampling); bigger markers scale the largest sprite.
  const float side = float(d + 2) * (diameter > kMaxMarkerSprite ? diameter / float(d) : 1.0f);
  const float h = 0.5f * side;
  const bool snap = diameter <= kMaxMarkerSprite;
  const ImVec2 uv0 = t.uv0[d], uv1 = t.uv1[d];
  // ImDrawIdx is 16-bit: reserve in chunks that fit one index range.
  constexpr size_t kChunk = 8192;
  for (size_t start = 0; start < centers.size(); start += kChunk) {
    const size_t n = std::min(kChunk, centers.size() - start);
    dl->PrimReserve(int(6 * n), int(4 * n));
    for (size_t i = start; i < start + n; ++i) {
      const ImVec2& p = centers[i];
      const ImVec2 a = snap ? ImVec2(std::floor(p.x - h + 0.5f), std::floor(p.y - h + 0.5f))
                            : ImVec2(p.x - h, p.y - h);
      dl->PrimRectUV(a, ImVec2(a.x + side, a.y + side), uv0, uv1, col);
    }
  }
}

}  // namespace ss::plot
