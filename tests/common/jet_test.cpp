// Jet (second-order forward-mode AD) against central finite differences.
#include "core/common/jet.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "core/common/rng.h"

namespace ss {
namespace {

// A function exercising every Jet operation.
template <class S>
S mixed(const S& x, const S& y) {
  using std::abs, std::cos, std::exp, std::log, std::log1p, std::pow, std::sin, std::sqrt, std::tan,
      std::tanh, std::max, std::min;
  const S r2 = x * x + y * y + 1.0;
  return logsumexp<S>({-square(x - 1.0) / 2.0, -3.0 * square(y + x), sin(x * y)}) +
         sqrt(r2) * cos(y) - log(r2) / r2 + log1p(x * x) + tanh(0.3 * x - y) + tan(0.2 * y) +
         abs(x - 0.1) * 0.5 + pow(r2, 0.7) + pow(r2, S(0.5) + 0.1 * x) - exp(-r2) + max(x, y) -
         min(x * 0.5, y);
}

// Central differences with step h: gradient error O(h²), Hessian error O(h²) plus rounding
// ~ eps·|f|/h²; with h = 1e-4 and |f| ≲ 10 both stay below ~1e-5.
TEST(Jet, MatchesFiniteDifferences) {
  Rng rng(7);
  const double h = 1e-4;
  for (int trial = 0; trial < 200; ++trial) {
    const double x = rng.uniform(-2, 2), y = rng.uniform(-2, 2);
    // Keep away from the kinks of abs/max/min, where derivatives jump.
    if (std::abs(x - 0.1) < 1e-2 || std::abs(x - y) < 1e-2 || std::abs(0.5 * x - y) < 1e-2)
      continue;
    const Jet j = mixed(Jet::variable_x(x), Jet::variable_y(y));
    auto f = [](double a, double b) { return mixed<double>(a, b); };
    EXPECT_NEAR(j.v, f(x, y), 1e-12);
    EXPECT_NEAR(j.gx, (f(x + h, y) - f(x - h, y)) / (2 * h), 1e-6);
    EXPECT_NEAR(j.gy, (f(x, y + h) - f(x, y - h)) / (2 * h), 1e-6);
    EXPECT_NEAR(j.hxx, (f(x + h, y) - 2 * f(x, y) + f(x - h, y)) / (h * h), 1e-4);
    EXPECT_NEAR(j.hyy, (f(x, y + h) - 2 * f(x, y) + f(x, y - h)) / (h * h), 1e-4);
    EXPECT_NEAR(
        j.hxy,
        (f(x + h, y + h) - f(x + h, y - h) - f(x - h, y + h) + f(x - h, y - h)) / (4 * h * h),
        1e-4);
  }
}

TEST(Jet, LogSumExpIsStableForHugeArguments) {
  const Jet x = Jet::variable_x(1000.0), y = Jet::variable_y(-1000.0);
  const Jet l = logsumexp<Jet>({x, x + 0.0, y});
  EXPECT_NEAR(l.v, 1000.0 + std::log(2.0), 1e-9);
  EXPECT_NEAR(l.gx, 1.0, 1e-12);
  EXPECT_NEAR(l.gy, 0.0, 1e-12);
  EXPECT_TRUE(isfinite(l));
  const double all_neg_inf = logsumexp<double>({-INFINITY, -INFINITY});
  EXPECT_EQ(all_neg_inf, -INFINITY);
}

TEST(Rng, SameSeedSameSequenceAndSaneMoments) {
  Rng a(42), b(42);
  double sum = 0, sum2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double z = a.normal();
    EXPECT_EQ(z, b.normal());
    sum += z;
    sum2 += z * z;
  }
  // Mean of n standard normals has sd 1/sqrt(n) ≈ 0.0022; 5 sd tolerance.
  EXPECT_NEAR(sum / n, 0.0, 0.011);
  // Variance estimate has sd ≈ sqrt(2/n) ≈ 0.0032; 5 sd tolerance.
  EXPECT_NEAR(sum2 / n, 1.0, 0.016);
  Rng c(1);
  for (int i = 0; i < 1000; ++i) {
    const auto k = c.index(7);
    EXPECT_LT(k, 7u);
    const double u = c.uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
  EXPECT_NE(derive_seed(1, 0), derive_seed(1, 1));
}

}  // namespace
}  // namespace ss
