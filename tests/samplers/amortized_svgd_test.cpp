// AmortizedSvgdSampler: registry and knobs, determinism, counters, divergence reporting, the
// Gaussian i.i.d.-line test and the every-target smoke test.
#include "core/samplers/amortized_svgd.h"

#include <gtest/gtest.h>

#include "neural_test_util.h"

namespace ss {
namespace {

using testing::gaussian_target;

TEST(AmortizedSvgd, RegistryAndKnobs) {
  auto t = gaussian_target(Vec2(0, 0), Mat2::Identity());
  auto s = make_sampler("amortized_svgd", t, {{"batch_size", 64}, {"bandwidth", 0.5}}, 1);
  EXPECT_EQ(s->kind(), "amortized_svgd");
  EXPECT_FALSE(sampler_about("amortized_svgd").empty());
  EXPECT_THROW(s->set_param("bandwidth", -1), ParamError);
  s->step();
  SamplerOverlay overlay;
  s->fill_overlay(overlay);
  EXPECT_DOUBLE_EQ(overlay.kernel_bandwidth, 0.5);  // a fixed bandwidth is used as given
  EXPECT_EQ(s->counters().score, 64u);
  EXPECT_EQ(s->counters().hessian, 0u);
}

TEST(AmortizedSvgd, DeterministicAndIndependentOfMetricDraws) {
  testing::expect_deterministic("amortized_svgd", {{"batch_size", 64}, {"hidden_width", 32}});
}

TEST(AmortizedSvgd, NonFiniteTargetIsReportedAsDivergence) {
  testing::expect_divergence_reported("amortized_svgd", {{"batch_size", 32}});
}

}  // namespace
}  // namespace ss

namespace ss {
namespace {

// Issue 6: amortized SVGD within 2× of the i.i.d. line on a 2-D Gaussian (estimators:
// neural_test_util.h), defaults except batch 1024, 1000 iterations. Why batch 1024: the SVGD
// direction on a batch of B points has the finite-particle fixed point of SVGD, whose variance is
// too small by an amount that shrinks with B (measured covariance diagonal at B = 512: 0.91/0.53
// against 1.0/0.6; at B = 1024: 0.94–1.01 / 0.55–0.6). Measured at B = 1024, seeds 5/6/7/8 (4-set
// i.i.d. estimates): 1.98×, 1.15×, 1.66×, 1.23× — seed 5's 4-set line was the lowest of seeds
// 0–7, hence the better-estimated line in the helper.
TEST(AmortizedSvgdSlow, GaussianReachesTwiceTheIidLine) {
  auto [ksd, iid] = testing::gaussian_ksd_after("amortized_svgd", {{"batch_size", 1024}}, 1000, 5);
  EXPECT_LT(ksd, 2.0 * iid) << "ksd " << ksd << " iid " << iid;
}

TEST(AmortizedSvgdSlow, NoDivergenceOnEveryTargetAtDefaults) {
  testing::expect_no_divergence_on_every_target("amortized_svgd", 25);
}

}  // namespace
}  // namespace ss
