// Tests of app/plot/markers.cpp: the disc sprites baked into the font atlas, and the quads
// draw_markers() writes (with sprites, and the square fallback without them).
#include "app/plot/markers.h"

#include <gtest/gtest.h>

#include <vector>

namespace ss::plot {

namespace {

// A headless ImGui context; with `sprites` the marker sprites are baked before the atlas is used.
struct Context {
  explicit Context(bool sprites) {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(400, 300);
    io.IniFilename = nullptr;
    if (sprites) baked = add_marker_sprites(io.Fonts);
    unsigned char* pixels;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    ImGui::NewFrame();
    ImGui::Begin("markers");
  }
  ~Context() {
    ImGui::End();
    ImGui::EndFrame();
    reset_marker_sprites();
    ImGui::DestroyContext();
  }
  bool baked = false;
};

unsigned pixel_at(ImVec2 uv) {
  ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  unsigned char* bytes;
  int w, h;
  atlas->GetTexDataAsRGBA32(&bytes, &w, &h);
  const int x = int(uv.x * w), y = int(uv.y * h);
  return reinterpret_cast<const unsigned*>(bytes)[y * w + x];
}

unsigned alpha(unsigned c) {
  return (c >> IM_COL32_A_SHIFT) & 0xFF;
}
unsigned red(unsigned c) {
  return (c >> IM_COL32_R_SHIFT) & 0xFF;
}

}  // namespace

// An 8-pixel sprite: opaque white in the middle, transparent in the padding corner, and a dark,
// partly opaque rim between (the vertex colour then tints only the fill).
TEST(Markers, SpritesAreDiscsWithADarkRim) {
  Context ctx(true);
  ASSERT_TRUE(ctx.baked);
  ASSERT_TRUE(marker_sprites_ready());
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const int v0 = dl->VtxBuffer.Size;
  const ImVec2 c(100, 100);
  draw_markers(dl, std::span<const ImVec2>(&c, 1), 8.0f, IM_COL32(255, 0, 0, 255));
  ASSERT_EQ(dl->VtxBuffer.Size, v0 + 4);
  // Quad corners: the sprite's square is d + 2 = 10 pixels wide, centred on the point.
  const ImDrawVert& tl = dl->VtxBuffer[v0];
  const ImDrawVert& br = dl->VtxBuffer[v0 + 2];
  EXPECT_FLOAT_EQ(tl.pos.x, 95.0f);
  EXPECT_FLOAT_EQ(br.pos.y, 105.0f);
  const ImVec2 uv0 = tl.uv, uv1 = br.uv;
  auto at = [&](float fx, float fy) {  // fractions of the 10-pixel square, texel centres
    return pixel_at(ImVec2(uv0.x + fx * (uv1.x - uv0.x), uv0.y + fy * (uv1.y - uv0.y)));
  };
  const unsigned centre = at(0.45f, 0.45f), corner = at(0.05f, 0.05f);
  EXPECT_EQ(alpha(centre), 255u);
  EXPECT_EQ(red(centre), 255u);
  EXPECT_EQ(alpha(corner), 0u);
  // Texel 1 of row 4 (x in [1, 2), y in [4, 5)) lies on the rim: 4 px from the centre at 5.
  const unsigned rim = at(0.15f, 0.45f);
  EXPECT_GT(alpha(rim), 60u);
  EXPECT_LT(red(rim), 100u);
}

// Without sprites every point still gets one quad (a square of the marker's size), so headless
// UI tests draw the same amount of geometry.
TEST(Markers, FallBackToSquaresWithoutSprites) {
  Context ctx(false);
  EXPECT_FALSE(marker_sprites_ready());
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const int v0 = dl->VtxBuffer.Size, i0 = dl->IdxBuffer.Size;
  const std::vector<ImVec2> pts = {ImVec2(10, 10), ImVec2(20, 30), ImVec2(50, 40)};
  draw_markers(dl, pts, 4.0f, IM_COL32(0, 255, 0, 255));
  EXPECT_EQ(dl->VtxBuffer.Size - v0, 12);
  EXPECT_EQ(dl->IdxBuffer.Size - i0, 18);
  EXPECT_FLOAT_EQ(dl->VtxBuffer[v0].pos.x, 8.0f);
}

// Many points: one quad each, and nothing for an empty span or a zero diameter.
TEST(Markers, OneQuadPerPoint) {
  Context ctx(true);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const int v0 = dl->VtxBuffer.Size, i0 = dl->IdxBuffer.Size;
  std::vector<ImVec2> pts;
  for (int i = 0; i < 3000; ++i) pts.emplace_back(float(i % 300), float(i / 300));
  draw_markers(dl, pts, 3.5f, IM_COL32(0, 0, 255, 200));
  EXPECT_EQ(dl->VtxBuffer.Size - v0, 4 * 3000);
  EXPECT_EQ(dl->IdxBuffer.Size - i0, 6 * 3000);
  draw_markers(dl, {}, 3.5f, IM_COL32(0, 0, 255, 200));
  draw_markers(dl, pts, 0.0f, IM_COL32(0, 0, 255, 200));
  EXPECT_EQ(dl->VtxBuffer.Size - v0, 4 * 3000);
}

}  // namespace ss::plot
