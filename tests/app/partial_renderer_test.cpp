// The rectangle arithmetic gfx::PartialRenderer clears with (the GL side, that a partial frame
// equals a full one, is checked under Xvfb: tests/app/xvfb_smoke.sh runs --check-partial).
#include "app/gfx/partial_renderer.h"

#include <gtest/gtest.h>

#include <vector>

namespace ss::gfx {

namespace {

// Every pixel of `r` painted once per rectangle that covers it.
std::vector<int> coverage(const GlRect& frame, const std::vector<GlRect>& rects) {
  const int w = frame.x1 - frame.x0, h = frame.y1 - frame.y0;
  std::vector<int> c(size_t(w) * size_t(h), 0);
  for (const GlRect& r : rects)
    for (int y = r.y0; y < r.y1; ++y)
      for (int x = r.x0; x < r.x1; ++x)
        ++c[size_t(y - frame.y0) * size_t(w) + size_t(x - frame.x0)];
  return c;
}

bool inside_any(int x, int y, const std::vector<GlRect>& rects) {
  for (const GlRect& r : rects)
    if (x >= r.x0 && x < r.x1 && y >= r.y0 && y < r.y1) return true;
  return false;
}

}  // namespace

TEST(PartialRenderer, SubtractRectsCoversExactlyWhatTheHolesLeave) {
  const GlRect frame{0, 0, 40, 30};
  const GlRect rect{2, 3, 37, 28};
  const std::vector<std::vector<GlRect>> cases = {
      {},                                                  // no hole: the rectangle itself
      {{5, 5, 15, 25}},                                    // one hole inside
      {{5, 5, 15, 25}, {20, 5, 30, 25}},                   // two canvases side by side
      {{0, 0, 40, 30}},                                    // covered completely: nothing left
      {{10, 10, 20, 20}, {15, 15, 35, 35}},                // overlapping holes, one sticking out
      {{-5, 12, 50, 14}, {30, -3, 31, 40}, {2, 3, 3, 4}},  // crossing bars and a corner pixel
  };
  for (const auto& holes : cases) {
    const std::vector<GlRect> parts = subtract_rects(rect, holes);
    const std::vector<int> c = coverage(frame, parts);
    for (int y = frame.y0; y < frame.y1; ++y)
      for (int x = frame.x0; x < frame.x1; ++x) {
        const bool in_rect = x >= rect.x0 && x < rect.x1 && y >= rect.y0 && y < rect.y1;
        const int want = in_rect && !inside_any(x, y, holes) ? 1 : 0;
        ASSERT_EQ(c[size_t(y) * 40 + size_t(x)], want)
            << "pixel " << x << "," << y << " with " << holes.size() << " holes";
      }
    for (const GlRect& p : parts) EXPECT_FALSE(p.empty());
  }
  // Bands merge vertically: one hole in the middle gives four rectangles, not one per row.
  EXPECT_EQ(subtract_rects(GlRect{0, 0, 10, 10}, {GlRect{3, 3, 6, 6}}).size(), 4u);
  EXPECT_TRUE(subtract_rects(GlRect{5, 5, 5, 9}, {}).empty());
}

}  // namespace ss::gfx
