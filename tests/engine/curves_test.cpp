#include "core/engine/curves.h"

#include <gtest/gtest.h>

namespace ss {
namespace {

CurvePoint at(std::int64_t i) {
  return {i, std::uint64_t(10 * i), 0.001 * double(i), double(i)};
}

TEST(Curves, UnboundedKeepsEveryPoint) {
  Curve c;
  for (int i = 0; i < 10000; ++i) append_decimated(c, at(i), 0);
  ASSERT_EQ(c.size(), 10000u);
  EXPECT_EQ(c.back().iteration, 9999);
}

TEST(Curves, BoundedStaysUnderCapKeepsNewestExactAndFirstPoint) {
  const int cap = 64;
  Curve c;
  for (int i = 0; i < 100000; ++i) {
    append_decimated(c, at(i), cap);
    ASSERT_LE(c.size(), size_t(cap));
  }
  // The first point survives every thinning; the newest cap/2 points are consecutive iterations.
  EXPECT_EQ(c.front().iteration, 0);
  for (size_t k = c.size() - cap / 2; k < c.size(); ++k)
    EXPECT_EQ(c[k].iteration, c[k - 1].iteration + 1) << k;
  EXPECT_EQ(c.back().iteration, 99999);
  for (size_t k = 1; k < c.size(); ++k) EXPECT_LT(c[k - 1].iteration, c[k].iteration);
  // All three cost axes travel with the point.
  for (const auto& p : c) {
    EXPECT_EQ(p.gradient_evals, std::uint64_t(10 * p.iteration));
    EXPECT_EQ(p.value, double(p.iteration));
  }
}

TEST(Curves, TinyCapBehavesLikeFour) {
  Curve c;
  for (int i = 0; i < 100; ++i) append_decimated(c, at(i), 1);
  EXPECT_LE(c.size(), 4u);
  EXPECT_EQ(c.front().iteration, 0);
  EXPECT_EQ(c.back().iteration, 99);
}

}  // namespace
}  // namespace ss
