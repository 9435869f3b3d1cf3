// all_finite and strided_rows written once (core/common/arrays.h): all_finite sees every entry of
// a row-major matrix, a vector, a block and a std::vector (NaN, +inf, −inf each caught wherever
// they are); strided_rows picks ⌊k·m/n⌋, equal to the floor of the double quotient the callers
// used before for every n < m ≤ 300, returns everything for n ≥ m or n ≤ 0.
#include "core/common/arrays.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace ss {
namespace {

TEST(Arrays, AllFiniteSeesEveryEntry) {
  const double bad[] = {std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity()};
  Points p = Points::Constant(5, 2, 1.5);
  EXPECT_TRUE(all_finite(p));
  EXPECT_TRUE(all_finite(Points(0, 2)));
  for (double b : bad)
    for (Eigen::Index i = 0; i < p.rows(); ++i)
      for (Eigen::Index j = 0; j < 2; ++j) {
        Points q = p;
        q(i, j) = b;
        EXPECT_FALSE(all_finite(q)) << i << "," << j;
        EXPECT_EQ(all_finite(q.topRows(i)), true);  // the bad row left out
      }
  Vec v = Vec::Ones(4);
  EXPECT_TRUE(all_finite(v));
  v[3] = bad[0];
  EXPECT_FALSE(all_finite(v));
  std::vector<double> w(3, 2.0);
  EXPECT_TRUE(all_finite(w));
  w[1] = bad[1];
  EXPECT_FALSE(all_finite(w));
}

TEST(Arrays, StridedRowsAreTheFloorOfKTimesMOverN) {
  for (Eigen::Index m = 1; m <= 300; ++m) {
    Points from(m, 2);
    for (Eigen::Index i = 0; i < m; ++i) from.row(i) << double(i), -double(i);
    for (Eigen::Index n = 1; n < m; ++n) {
      Points out;
      strided_rows(from, n, out);
      ASSERT_EQ(out.rows(), n);
      for (Eigen::Index k = 0; k < n; ++k) {
        const Eigen::Index expected = Eigen::Index((double(k) * double(m)) / double(n));
        ASSERT_EQ(out(k, 0), double(expected)) << "m " << m << " n " << n << " k " << k;
        ASSERT_EQ(out(k, 1), -double(expected));
      }
    }
    Points all;
    strided_rows(from, m, all);
    EXPECT_TRUE(all == from);
    strided_rows(from, m + 5, all);
    EXPECT_TRUE(all == from);
    strided_rows(from, 0, all);
    EXPECT_TRUE(all == from);
  }
}

}  // namespace
}  // namespace ss
