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

// Issue 6 test (2) for amortized SVGD; same protocol and tolerance as the DFT test.
// NOT PASSING YET (disabled, reported to the lead): measured at 600 iterations, batch 256, seed 5:
// DFT 1.18, KL-NS 0.71, amortized SVGD 0.0127 against 2 × i.i.d. = 0.0062. The budget/defaults
// that reach the i.i.d. line on the Gaussian still have to be found; the tolerance stays at 2×.
TEST(AmortizedSvgdSlow, DISABLED_GaussianReachesTwiceTheIidLine) {
  auto [ksd, iid] = testing::gaussian_ksd_after("amortized_svgd", {{"batch_size", 256}}, 600, 5);
  EXPECT_LT(ksd, 2.0 * iid) << "ksd " << ksd << " iid " << iid;
}

TEST(AmortizedSvgdSlow, NoDivergenceOnEveryTargetAtDefaults) {
  testing::expect_no_divergence_on_every_target("amortized_svgd", 25);
}

}  // namespace
}  // namespace ss
