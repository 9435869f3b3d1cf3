// Cell centres written once (core/common/grid.h): the layout (row-major, x then y), the formula
// lo + (i + 0.5)·(extent / n) bit for bit, and no reallocation when called again with the same n.
#include "core/common/grid.h"

#include <gtest/gtest.h>

namespace ss {
namespace {

TEST(Grid, CellCentresAreRowMajorAtTheMidpointOfEachCell) {
  const Box box{-3, 5, 1, 2.5};
  const int n = 7;
  const Points c = grid_cell_centres(box, n);
  ASSERT_EQ(c.rows(), n * n);
  ASSERT_EQ(c.cols(), 2);
  const double w = box.width() / n, h = box.height() / n;
  for (int iy = 0; iy < n; ++iy)
    for (int ix = 0; ix < n; ++ix) {
      // Written out rather than calling cell_centre (the compiler may fuse either into an FMA).
      EXPECT_NEAR(c(iy * n + ix, 0), box.xmin + (ix + 0.5) * w, 1e-14);
      EXPECT_NEAR(c(iy * n + ix, 1), box.ymin + (iy + 0.5) * h, 1e-14);
    }
  EXPECT_DOUBLE_EQ(c(0, 0), -3 + 4.0 / 7);
  EXPECT_DOUBLE_EQ(c(n * n - 1, 1), 2.5 - 0.75 / 7);
  EXPECT_EQ(cell_centre(10, 0.5, 3), 11.75);
}

TEST(Grid, SecondCallWithTheSameSizeKeepsTheBuffer) {
  Points c;
  grid_cell_centres(Box{0, 1, 0, 1}, 16, c);
  const double* data = c.data();
  grid_cell_centres(Box{-1, 1, -2, 2}, 16, c);
  EXPECT_EQ(c.data(), data);
  EXPECT_EQ(c(0, 0), -1 + 0.5 * (2.0 / 16));
}

}  // namespace
}  // namespace ss
