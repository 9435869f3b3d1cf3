// KlNeuralSampler: registry and knobs, determinism, counters, divergence reporting, the Gaussian
// i.i.d.-line test and the every-target smoke test.
#include "core/samplers/kl_ns.h"

#include <gtest/gtest.h>

#include "neural_test_util.h"

namespace ss {
namespace {

using testing::gaussian_target;

TEST(KlNs, RegistryAndKnobs) {
  auto t = gaussian_target(Vec2(0, 0), Mat2::Identity());
  auto s = make_sampler("kl_ns", t, {{"batch_size", 40}, {"warmup_steps", 2}}, 1);
  EXPECT_EQ(s->kind(), "kl_ns");
  EXPECT_FALSE(sampler_about("kl_ns").empty());
  EXPECT_THROW(s->set_param("score_steps", 0), ParamError);
  for (int i = 0; i < 3; ++i) s->step();
  EXPECT_EQ(s->counters().score, 3u * 40u);  // one score per generated sample, no Hessians
  EXPECT_EQ(s->counters().hessian, 0u);
  SamplerOverlay overlay;
  s->fill_overlay(overlay);
  EXPECT_EQ(overlay.arrow_vectors.rows(), 225);
}

TEST(KlNs, DeterministicAndIndependentOfMetricDraws) {
  testing::expect_deterministic(
      "kl_ns",
      {{"batch_size", 64}, {"warmup_steps", 5}, {"hidden_width", 32}, {"score_width", 32}});
}

TEST(KlNs, NonFiniteTargetIsReportedAsDivergence) {
  testing::expect_divergence_reported("kl_ns", {{"batch_size", 32}, {"warmup_steps", 2}});
}

}  // namespace
}  // namespace ss

namespace ss {
namespace {

// Issue 6: KL-NS within 2× of the i.i.d. line on a 2-D Gaussian (estimators: neural_test_util.h).
// Same protocol as DFT's test: batch 256, 2000 iterations, σ annealing and learning-rate decay
// compressed to 1500 iterations. Measured, seeds 5/6/7: 1.44×, 1.00×, 0.97×.
TEST(KlNsSlow, GaussianReachesTwiceTheIidLine) {
  auto [ksd, iid] = testing::gaussian_ksd_after(
      "kl_ns", {{"batch_size", 256}, {"anneal_iterations", 1500}, {"lr_decay_iterations", 1500}},
      2000, 5);
  EXPECT_LT(ksd, 2.0 * iid) << "ksd " << ksd << " iid " << iid;
}

TEST(KlNsSlow, NoDivergenceOnEveryTargetAtDefaults) {
  testing::expect_no_divergence_on_every_target("kl_ns", 25);
}

}  // namespace
}  // namespace ss
