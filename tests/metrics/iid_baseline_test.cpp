// Tests of core/metrics/iid_baseline on a single-Gaussian "gmm" target N(0, I), where the
// baselines have closed forms: E[ksd2_imq] = 4/n, E[energy_V] = √π (1/n + 1/m).
#include "core/metrics/iid_baseline.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/metrics/ksd.h"
#include "core/targets/target.h"

namespace ss {
namespace {

std::shared_ptr<const GridReference> standard_normal_reference() {
  TargetSpec spec{"gmm"};
  spec.components = {GaussianComponent{1.0, Vec2::Zero(), Mat2::Identity()}};
  return GridReference::compute(make_target(spec));
}

TEST(IidBaseline, KsdOfExactSamplesIsFourOverN) {
  const auto ref = standard_normal_reference();
  const int n = 500, repeats = 30;
  const IidBaseline b = ksd2_imq_iid_baseline(*ref, n, repeats, 7);
  ASSERT_EQ(b.values.size(), static_cast<size_t>(repeats));
  EXPECT_EQ(b.n, n);
  // Grid samples are exact up to the 512² grid (cell jitter), so E[V] = E[‖x‖² + 2]/n = 4/n;
  // 4 standard errors of the 30-draw mean.
  EXPECT_NEAR(b.mean, 4.0 / n, 4 * b.stddev / std::sqrt(repeats));
  EXPECT_GT(b.stddev, 0.0);
  // Same seed, same numbers; another seed, other numbers.
  const IidBaseline again = ksd2_imq_iid_baseline(*ref, n, repeats, 7);
  EXPECT_EQ(again.values, b.values);
  EXPECT_NE(ksd2_imq_iid_baseline(*ref, n, 3, 8).values[0], b.values[0]);
}

// The U-statistic line: same draws as the V line, KSD²_U centred at 0 (unbiased), and its rms —
// the `ksd2_imq_u_iid` line — is the spread of U, far below the V line's bias 4/n.
TEST(IidBaseline, KsdUStatisticOfTheSameDrawsIsCentredAtZero) {
  const auto ref = standard_normal_reference();
  const int n = 500, repeats = 30;
  const KsdIidBaselines b = ksd_imq_iid_baselines(*ref, n, repeats, 7);
  EXPECT_EQ(b.v.values, ksd2_imq_iid_baseline(*ref, n, repeats, 7).values);
  ASSERT_EQ(b.u.values.size(), static_cast<size_t>(repeats));
  // U = (n·V − mean diagonal)/(n − 1) for each draw: it sits 4/n below V on average.
  // 4 standard errors of the 30-draw mean around E[U] = 0.
  EXPECT_NEAR(b.u.mean, 0.0, 4 * b.u.stddev / std::sqrt(repeats));
  // rms² = mean² + (R − 1)/R · sd² (sample sd over R draws).
  EXPECT_NEAR(b.u.rms * b.u.rms,
              b.u.mean * b.u.mean + b.u.stddev * b.u.stddev * (repeats - 1) / repeats, 1e-18);
  EXPECT_GT(b.u.rms, 0.0);
  EXPECT_LT(b.u.rms, 4.0 / n);
  EXPECT_THROW(ksd_imq_iid_baselines(*ref, 1), std::invalid_argument);
}

TEST(IidBaseline, EnergyDistanceMatchesClosedForm) {
  const auto ref = standard_normal_reference();
  const int n = 400, m = 800, repeats = 30;
  const IidBaseline b = energy_distance_iid_baseline(*ref, n, m, repeats, 3);
  EXPECT_NEAR(b.mean, std::sqrt(M_PI) * (1.0 / n + 1.0 / m), 4 * b.stddev / std::sqrt(repeats));
}

TEST(IidBaseline, ModeTvAndBandwidthAndErrors) {
  const auto ref = GridReference::compute(make_target(TargetSpec{"gmm_2to1"}));
  const IidBaseline tv = mode_tv_iid_baseline(*ref, 1000, 10, 1);
  // Two modes: TV = |f_1 − m_1| with f_1 ~ Binomial(n, 1/3)/n, E ≈ √(2·(1/3)(2/3)/(π n)) ≈ 0.012.
  EXPECT_NEAR(tv.mean, 0.012, 0.008);
  const double sigma = rbf_bandwidth_for_reference(*standard_normal_reference(), 5);
  EXPECT_NEAR(sigma, 1.665, 0.06);  // median distance of two 2-D standard normals: 2√(ln 2)
  EXPECT_THROW(ksd2_imq_iid_baseline(*ref, 0), std::invalid_argument);
  EXPECT_THROW(mode_tv_iid_baseline(*ref, 10, 0), std::invalid_argument);
  EXPECT_THROW(energy_distance_iid_baseline(*ref, 10, 0), std::invalid_argument);
  // A custom metric sees the exact draws and their scores.
  const IidBaseline custom = iid_baseline(*ref, 50, 2, 9, [](const Points& x, const Points& s) {
    return static_cast<double>(x.rows() + s.rows());
  });
  EXPECT_EQ(custom.mean, 100.0);
  EXPECT_EQ(custom.stddev, 0.0);
}

}  // namespace
}  // namespace ss

namespace ss {
namespace {

// The baseline checks its stop request before each draw (core/common/interrupt.h).
TEST(IidBaseline, InterruptedBaselineThrowsInterrupted) {
  const auto ref = standard_normal_reference();
  Interrupt stop;
  EXPECT_NO_THROW(ksd_imq_iid_baselines(*ref, 20, 2, 1, &stop));
  stop.request();
  EXPECT_THROW(ksd_imq_iid_baselines(*ref, 20, 2, 1, &stop), Interrupted);
}

}  // namespace
}  // namespace ss
