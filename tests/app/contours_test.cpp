// Tests of app/plot/contours.cpp (marching squares): exact lines for a linear field, closed
// circles for a radial one, saddles without crossings, non-finite cells skipped.
#include "app/plot/contours.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <utility>
#include <vector>

namespace ss::plot {

namespace {

std::vector<float> grid(int nx, int ny, float (*f)(float, float)) {
  std::vector<float> v(size_t(nx * ny));
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) v[size_t(y * nx + x)] = f(float(x), float(y));
  return v;
}

}  // namespace

// The bilinear interpolant of a linear field is the field itself: the iso-line x = 3.25 exactly.
TEST(Contours, LinearFieldGivesTheExactLine) {
  const auto f = grid(8, 6, [](float x, float) { return x; });
  std::vector<Segment> segs;
  iso_segments(f, 8, 6, 3.25f, segs);
  ASSERT_EQ(segs.size(), 5u);  // one per row of cells
  for (const Segment& s : segs) {
    EXPECT_FLOAT_EQ(s[0], 3.25f);
    EXPECT_FLOAT_EQ(s[2], 3.25f);
    EXPECT_FLOAT_EQ(std::abs(s[3] - s[1]), 1.0f);
  }
}

// A circle of radius 6: every end point lies on a grid edge, where linear interpolation of
// f = −r² errs by at most 1/4 in f, i.e. 0.25 / (2 · 6) ≈ 0.02 cells in radius (hence 0.05); and
// the segments form one closed loop (every end point shared by exactly two segments), also where
// the circle passes exactly through grid points (level −36 hits (4, 10), (16, 10), ...).
TEST(Contours, RadialFieldGivesAClosedCircle) {
  const auto f =
      grid(21, 21, [](float x, float y) { return -((x - 10) * (x - 10) + (y - 10) * (y - 10)); });
  std::vector<Segment> segs;
  iso_segments(f, 21, 21, -36.0f, segs);
  ASSERT_GT(segs.size(), 30u);
  std::map<std::pair<long, long>, int> ends;
  for (const Segment& s : segs)
    for (int k = 0; k < 2; ++k) {
      const float x = s[2 * k], y = s[2 * k + 1];
      EXPECT_NEAR(std::hypot(x - 10, y - 10), 6.0, 0.05);
      ++ends[{std::lround(x * 1e4), std::lround(y * 1e4)}];
    }
  for (const auto& [p, count] : ends) EXPECT_EQ(count, 2);
}

// f = x·y around (0, 0) with the level slightly above 0: a saddle cell; two segments that do not
// cross, separating the high corners from each other.
TEST(Contours, SaddlesGiveTwoSeparateSegments) {
  const std::vector<float> f = {1, -1, -1, 1};  // v0 = 1, v1 = -1, v3 = -1, v2 = 1 (row-major)
  std::vector<Segment> segs;
  iso_segments(f, 2, 2, 0.5f, segs);  // centre value 0 < 0.5: the high corners are cut off
  ASSERT_EQ(segs.size(), 2u);
  for (const Segment& s : segs) {
    // Each segment stays in the quarter of its own high corner (0,0) or (1,1).
    const float mx = 0.5f * (s[0] + s[2]), my = 0.5f * (s[1] + s[3]);
    EXPECT_TRUE((mx < 0.5f && my < 0.5f) || (mx > 0.5f && my > 0.5f)) << mx << "," << my;
  }
  segs.clear();
  iso_segments(f, 2, 2, -0.5f, segs);  // centre 0 > −0.5: now the low corners are cut off
  ASSERT_EQ(segs.size(), 2u);
  for (const Segment& s : segs) {
    const float mx = 0.5f * (s[0] + s[2]), my = 0.5f * (s[1] + s[3]);
    EXPECT_TRUE((mx > 0.5f && my < 0.5f) || (mx < 0.5f && my > 0.5f)) << mx << "," << my;
  }
}

TEST(Contours, NonFiniteCellsAndBadSizesAreSkipped) {
  std::vector<float> f = grid(4, 4, [](float x, float) { return x; });
  f[5] = -INFINITY;  // (1, 1): the four cells around it are skipped
  std::vector<Segment> segs;
  iso_segments(f, 4, 4, 1.5f, segs);
  EXPECT_EQ(segs.size(), 1u);  // only the top row's middle cell is left on x = 1.5
  segs.clear();
  iso_segments(f, 5, 4, 1.5f, segs);  // too few values for 5 × 4
  iso_segments(f, 1, 16, 1.5f, segs);
  EXPECT_TRUE(segs.empty());
}

}  // namespace ss::plot
