// simd::exp_nonpositive against std::exp: relative error on a dense sweep of [−708, 0], the
// underflow edge, −inf, NaN; simd::hsum's fixed order.
#include "core/common/simd_exp.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ss {
namespace {

#ifdef SS_HAVE_SIMD_EXP
double lane0(__m256d v) {
  alignas(32) double a[4];
  _mm256_store_pd(a, v);
  return a[0];
}

double simd_exp(double x) {
  return lane0(simd::exp_nonpositive(_mm256_set1_pd(x)));
}

TEST(SimdExp, MatchesStdExpToFourUlpOnTheWholeRange) {
  // 4 ulp = 8.9e-16 relative: the polynomial's truncation (< 2e-16) plus rounding in ~15 FMAs.
  double worst = 0, at = 0;
  for (int i = 0; i <= 2000000; ++i) {
    const double x = -708.0 * i / 2000000.0;
    const double want = std::exp(x), got = simd_exp(x);
    const double rel = std::abs(got - want) / want;
    if (rel > worst) worst = rel, at = x;
  }
  EXPECT_LT(worst, 4 * std::numeric_limits<double>::epsilon()) << "at x = " << at;
  EXPECT_EQ(simd_exp(0.0), 1.0);
  EXPECT_EQ(simd_exp(-0.0), 1.0);
}

TEST(SimdExp, TruncatedDegreeMeetsItsStatedBound) {
  // Degree 10 (the MLP's SiLU): stated truncation bound 3.1e-13 relative (simd_exp.h), plus a
  // few ulp of rounding.
  double worst = 0;
  for (int i = 0; i <= 200000; ++i) {
    const double x = -708.0 * i / 200000.0, want = std::exp(x);
    worst = std::max(worst,
                     std::abs(lane0(simd::exp_nonpositive<10>(_mm256_set1_pd(x))) - want) / want);
  }
  EXPECT_LT(worst, 3.1e-13 + 1e-15);
  EXPECT_GT(worst, 1e-15) << "degree 10 should be measurably less exact than degree 13";
}

TEST(SimdExp, UnderflowInfinityAndNaN) {
  EXPECT_EQ(simd_exp(-708.5), 0.0);  // true value 2e-308: documented flush to 0
  EXPECT_EQ(simd_exp(-1e6), 0.0);
  EXPECT_EQ(simd_exp(-std::numeric_limits<double>::infinity()), 0.0);
  EXPECT_TRUE(std::isnan(simd_exp(std::numeric_limits<double>::quiet_NaN())));
  // Lanes are independent.
  alignas(32) double out[4];
  _mm256_store_pd(out, simd::exp_nonpositive(_mm256_setr_pd(-1.0, -2.0, -800.0, -0.5)));
  EXPECT_NEAR(out[0], std::exp(-1.0), 1e-16);
  EXPECT_NEAR(out[1], std::exp(-2.0), 1e-16);
  EXPECT_EQ(out[2], 0.0);
  EXPECT_NEAR(out[3], std::exp(-0.5), 1e-16);
}

TEST(SimdExp, HorizontalSumInFixedOrder) {
  // (1e16 + 1) + (−1e16 + 1) = 0 (each 1 is lost to rounding: doubles near 1e16 are 2 apart),
  // while ((1e16 − 1e16) + 1) + 1 = 2: the values make the association visible.
  const double a0 = 1e16, a1 = 1.0, a2 = -1e16, a3 = 1.0;
  EXPECT_EQ(simd::hsum(_mm256_setr_pd(a0, a1, a2, a3)), (a0 + a1) + (a2 + a3));
  EXPECT_NE((a0 + a1) + (a2 + a3), ((a0 + a2) + a1) + a3);
}
#else
TEST(SimdExp, NotBuiltWithoutAvx2) {
  GTEST_SKIP() << "this build does not target AVX2 + FMA";
}
#endif

}  // namespace
}  // namespace ss
