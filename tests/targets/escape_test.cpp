// The shared escape check (core/targets/escape.h).
#include "core/targets/escape.h"

#include <gtest/gtest.h>

#include <limits>

namespace ss {
namespace {

TEST(Escape, BoxIsAGenerousSquareAroundTheViewBoxCentre) {
  const Box view{-1, 3, -1, 1};  // centre (1, 0), larger half-side 2
  const Box e = escape_box(view);
  EXPECT_DOUBLE_EQ(e.xmin, 1 - 2 * kEscapeBoxMultiple);
  EXPECT_DOUBLE_EQ(e.xmax, 1 + 2 * kEscapeBoxMultiple);
  EXPECT_DOUBLE_EQ(e.ymin, -2 * kEscapeBoxMultiple);
  EXPECT_DOUBLE_EQ(e.ymax, 2 * kEscapeBoxMultiple);
}

TEST(Escape, PointsInsideTheEscapeBoxPassEvenFarOutsideTheViewBox) {
  const Box view{-5, 5, -5, 5};
  Points p(3, 2);
  p << 0, 0, 400, -4000, -5000, 5000;  // the last one exactly on the limit
  EXPECT_EQ(escape_reason(p, view), "");
  EXPECT_EQ(escape_reason(Points(0, 2), view), "");
}

TEST(Escape, NonFiniteAndEscapedPointsAreNamed) {
  const Box view{-5, 5, -5, 5};
  Points p(2, 2);
  p << 0, 0, 7e4, 0.5;
  const std::string far = escape_reason(p, view, "chain state");
  EXPECT_NE(far.find("chain state at (7e+04, 0.5)"), std::string::npos) << far;
  EXPECT_NE(far.find("escaped far outside the view box"), std::string::npos) << far;
  p(1, 0) = 5.000001e3;
  EXPECT_NE(escape_reason(p, view), "");
  p(1, 0) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(escape_reason(p, view), "sample positions became non-finite");
  p(1, 0) = 0;
  p(0, 1) = -std::numeric_limits<double>::infinity();
  EXPECT_EQ(escape_reason(p, view, "particle"), "particle positions became non-finite");
  p(0, 1) = 5e212;
  EXPECT_NE(escape_reason(p, view).find("5e+212"), std::string::npos);
}

}  // namespace
}  // namespace ss
