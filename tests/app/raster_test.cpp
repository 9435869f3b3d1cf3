// Tests of app/plot/raster.cpp, the software layer of the method canvases: markers identical to
// the GPU sprites, anti-aliased lines and triangles that cover the right area, blending, and
// clipping at the image edges.
#include "app/plot/raster.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "app/plot/markers.h"

namespace ss::plot {

namespace {

unsigned ch(std::uint32_t c, int shift) {
  return (c >> shift) & 0xFFu;
}

// Total coverage drawn onto a transparent image: the sum of alpha / 255 (the colour is opaque).
double covered_area(const Raster& r) {
  double s = 0;
  for (int y = 0; y < r.height(); ++y)
    for (int x = 0; x < r.width(); ++x) s += ch(r.pixel(x, y), IM_COL32_A_SHIFT) / 255.0;
  return s;
}

}  // namespace

TEST(Raster, MarkersAreTheGpuSpritesTintedByTheColour) {
  Raster r;
  r.resize(40, 30);
  const ImU32 bg = IM_COL32(10, 20, 30, 255);
  r.fill(bg);
  const ImU32 col = IM_COL32(200, 100, 50, 255);
  const ImVec2 c(20.3f, 14.6f);
  r.draw_markers(std::span<const ImVec2>(&c, 1), 8.0f, col);
  // Same placement rule as draw_markers(): a 10 × 10 sprite whose top-left corner is
  // floor(centre − 5 + 0.5) = (15, 10).
  const std::vector<unsigned>& sprite = marker_sprite(8);
  int changed = 0, opaque_in_sprite = 0;
  for (int y = 0; y < 30; ++y)
    for (int x = 0; x < 40; ++x) {
      const bool inside = x >= 15 && x < 25 && y >= 10 && y < 20;
      const unsigned s = inside ? sprite[size_t((y - 10) * 10 + (x - 15))] : 0;
      const unsigned sa = ch(s, IM_COL32_A_SHIFT);
      if (r.pixel(x, y) != bg) ++changed;
      if (sa > 0) ++opaque_in_sprite;
      if (sa == 0) {
        EXPECT_EQ(r.pixel(x, y), bg) << x << "," << y;
      }
      if (sa == 255 && ch(s, IM_COL32_R_SHIFT) == 255) {
        EXPECT_EQ(r.pixel(x, y), col);
      }
    }
  EXPECT_EQ(changed, opaque_in_sprite);
  EXPECT_GT(changed, 40);  // a disc of diameter 8 covers about 50 pixels
}

TEST(Raster, HorizontalLineOnPixelCentresIsCrisp) {
  Raster r;
  r.resize(40, 12);
  r.fill(IM_COL32(0, 0, 0, 0));
  r.draw_line(ImVec2(10, 5.5f), ImVec2(30, 5.5f), IM_COL32(255, 255, 255, 255), 1.0f);
  for (int x = 0; x < 40; ++x) {
    EXPECT_EQ(r.pixel(x, 4), 0u);
    EXPECT_EQ(r.pixel(x, 6), 0u);
    EXPECT_EQ(r.pixel(x, 5), (x >= 10 && x < 30) ? IM_COL32_WHITE : 0u) << x;
  }
}

// Box-filtered coverage integrates exactly to length × width away from the image edges; the only
// error is alpha quantization (1/255 per pixel, a few pixels per unit length), hence 1 %.
TEST(Raster, LinesCoverLengthTimesWidthAtAnyAngle) {
  for (float width : {1.0f, 2.0f, 3.5f})
    for (int k = 0; k < 12; ++k) {
      const double ang = k * std::numbers::pi / 12 + 0.05;
      const float len = 40;
      const ImVec2 a(50, 50);
      const ImVec2 b(float(50 + len * std::cos(ang)), float(50 + len * std::sin(ang)));
      Raster r;
      r.resize(100, 100);
      r.fill(IM_COL32(0, 0, 0, 0));
      r.draw_line(a, b, IM_COL32(255, 255, 255, 255), width);
      EXPECT_NEAR(covered_area(r), len * width, 0.01 * len * width) << width << " " << ang;
    }
}

// The coverage estimate 0.5 + (distance to the nearest edge) is exact along edges and errs
// inside the corner pixels only: within 3 % of the area for a 200-pixel triangle.
TEST(Raster, TrianglesCoverTheirArea) {
  Raster r;
  r.resize(60, 60);
  r.fill(IM_COL32(0, 0, 0, 0));
  r.fill_triangle(ImVec2(10.3f, 10.7f), ImVec2(30.3f, 10.7f), ImVec2(10.3f, 30.7f),
                  IM_COL32(255, 255, 255, 255));
  EXPECT_NEAR(covered_area(r), 200.0, 6.0);
  // Either winding gives the same pixels.
  Raster q;
  q.resize(60, 60);
  q.fill(IM_COL32(0, 0, 0, 0));
  q.fill_triangle(ImVec2(10.3f, 10.7f), ImVec2(10.3f, 30.7f), ImVec2(30.3f, 10.7f),
                  IM_COL32(255, 255, 255, 255));
  for (int y = 0; y < 60; ++y)
    for (int x = 0; x < 60; ++x) ASSERT_EQ(r.pixel(x, y), q.pixel(x, y));
}

TEST(Raster, BlendingIsStraightAlphaSourceOver) {
  Raster r;
  r.resize(2, 1);
  r.fill(IM_COL32(100, 100, 100, 255));
  r.blend(0, 0, IM_COL32(200, 0, 0, 255), 0.5f);
  const std::uint32_t p = r.pixel(0, 0);
  EXPECT_NEAR(int(ch(p, IM_COL32_R_SHIFT)), 150, 1);
  EXPECT_NEAR(int(ch(p, IM_COL32_G_SHIFT)), 50, 1);
  EXPECT_EQ(ch(p, IM_COL32_A_SHIFT), 255u);
  // An image layer: transparent pixels leave the destination alone, opaque ones replace it.
  const std::uint32_t layer[2] = {0u, IM_COL32(1, 2, 3, 255)};
  r.blend_image(layer);
  EXPECT_EQ(r.pixel(0, 0), p);
  EXPECT_EQ(r.pixel(1, 0), IM_COL32(1, 2, 3, 255));
  // Onto a transparent pixel the colour comes through unchanged, with the coverage as alpha.
  Raster t;
  t.resize(1, 1);
  t.fill(0);
  t.blend(0, 0, IM_COL32(40, 80, 120, 255), 0.4f);
  EXPECT_EQ(ch(t.pixel(0, 0), IM_COL32_R_SHIFT), 40u);
  EXPECT_EQ(ch(t.pixel(0, 0), IM_COL32_A_SHIFT), 102u);
}

TEST(Raster, EverythingIsClippedToTheImage) {
  Raster r;
  r.resize(20, 10);
  r.fill(IM_COL32(0, 0, 0, 0));
  const ImVec2 pts[] = {ImVec2(-3, -3), ImVec2(19.9f, 9.9f), ImVec2(1e9f, -1e9f), ImVec2(NAN, 2)};
  r.draw_markers(pts, 12.0f, IM_COL32_WHITE);
  r.draw_markers(pts, 30.0f, IM_COL32_WHITE);  // bigger than the largest sprite: scaled
  r.draw_line(ImVec2(-100, -40), ImVec2(200, 60), IM_COL32_WHITE, 2.0f);
  r.draw_line(ImVec2(NAN, 0), ImVec2(5, 5), IM_COL32_WHITE, 1.0f);
  r.fill_triangle(ImVec2(-50, -50), ImVec2(80, 5), ImVec2(5, 90), IM_COL32_WHITE);
  r.draw_arrow(ImVec2(5, 5), ImVec2(500, 5), IM_COL32_WHITE, 1.0f);
  EXPECT_EQ(r.pixel(-1, 0), 0u);
  EXPECT_EQ(r.pixel(20, 0), 0u);
  EXPECT_GT(covered_area(r), 50.0);
}

TEST(Raster, ArrowsHaveAHead) {
  Raster r;
  r.resize(60, 20);
  r.fill(IM_COL32(0, 0, 0, 0));
  r.draw_arrow(ImVec2(5, 10.5f), ImVec2(45, 10.5f), IM_COL32_WHITE, 1.0f);
  // The head (6 pixels long, 6 wide at its base x = 39) spreads beyond the 1-pixel shaft near
  // the tip only: at x = 40.5 its edge is at y = 10.5 − 2.25, so pixel (40, 8) is 3/4 covered
  // (the distance estimate says 0.5 + 0.25·cos(atan(1/2)) = 0.72: accept 0.70 to 0.78).
  const unsigned a = ch(r.pixel(40, 8), IM_COL32_A_SHIFT);
  EXPECT_GE(a, 178u);
  EXPECT_LE(a, 199u);
  EXPECT_EQ(r.pixel(20, 8), 0u);
  EXPECT_EQ(r.pixel(20, 10), IM_COL32_WHITE);
  // Short arrows are plain lines.
  Raster s;
  s.resize(10, 10);
  s.fill(0);
  s.draw_arrow(ImVec2(2, 5.5f), ImVec2(4, 5.5f), IM_COL32_WHITE, 1.0f);
  EXPECT_NEAR(covered_area(s), 2.0, 0.05);
}

}  // namespace ss::plot
