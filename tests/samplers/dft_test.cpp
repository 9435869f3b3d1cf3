// DenoisingFisherSampler: registry and knobs, determinism, counters, divergence reporting, and the
// seeded statistical tests of issue 6 (Gaussian → i.i.d. line; donut and rosenbrock → documented
// KSD level; every built-in target without divergence).
#include "core/samplers/dft.h"

#include <gtest/gtest.h>

#include "core/metrics/energy_distance.h"
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

namespace ss {
namespace {

// Issue 6 test (2): "within 2× of the i.i.d. line" = sampler KSD ≤ 2 × i.i.d. KSD at n = 1000
// (estimators: neural_test_util.h). Budget: 2000 iterations at batch 256 with the default knobs
// except that the σ annealing (0.5 → 0.05) and the learning-rate decay (to 4 %) are compressed
// from 3000/2000 to 1500 iterations so both finish inside the budget. The σ-bias of the optimum
// (variance deficit σ² = 0.0025 against variances 0.44–1.16) is far below what KSD at n = 1000
// resolves. Measured with this protocol, seeds 5/6/7: 1.36×, 1.26×, 1.37× the i.i.d. line (with
// 4-set i.i.d. estimates); before the fixes of session 2 (score_steps 1, lr 1e-3 constant, random
// generator start, plain DSM batches) it was 380× at 600 iterations.
TEST(DftSlow, GaussianReachesTwiceTheIidLine) {
  auto [ksd, iid] = testing::gaussian_ksd_after(
      "dft", {{"batch_size", 256}, {"anneal_iterations", 1500}, {"lr_decay_iterations", 1500}},
      2000, 5);
  RecordProperty("ksd2_imq", std::to_string(ksd));
  RecordProperty("iid", std::to_string(iid));
  EXPECT_LT(ksd, 2.0 * iid) << "ksd " << ksd << " iid " << iid;
}

// Issue 6 test (3): on donut and rosenbrock, at the defaults, DFT reaches a documented level within
// a documented budget: 1500 iterations (half of the default learning-rate decay, 3/4 of the σ
// annealing), KSD (ksd2_imq, n = 1000, mean of 4 evaluation sets) below the levels below. Measured
// at this budget, seeds 1/2 (sweep in docs/results.md): donut 0.75 / 0.87 (i.i.d. line ≈ 0.05;
// start ≈ 220), rosenbrock 12.1 / 18.2 (i.i.d. line ≈ 0.5; start ≈ 5·10⁴). Levels: donut 2.0,
// rosenbrock 40 — about 2× the measured values, because a 1500-iteration run is still moving and
// one seed is one draw of it. On the donut KSD alone would also pass a sampler that collapsed onto
// one arc of the ring (KSD 0.5–1.0 with energy distance ≈ 2.0 to the reference, measured before
// the generator's isotropic start), so the energy distance to 5000 reference draws must also stay
// below 0.3 (measured 0.15 / 0.010; i.i.d. line 0.012).
double dft_ksd_after_defaults(const std::string& target, int iterations, std::uint64_t seed,
                              Points* final_samples) {
  auto t = make_target(TargetSpec{target});
  auto s = make_sampler("dft", t, {}, seed);
  for (int i = 0; i < iterations && !s->status().diverged; ++i) s->step();
  EXPECT_FALSE(s->status().diverged) << s->status().reason;
  if (final_samples) s->evaluation_samples(1000, *final_samples);
  return testing::mean_sampler_ksd(*s, 1000, 4);
}

TEST(DftSlow, DonutReachesDocumentedLevel) {
  Points x;
  const double ksd = dft_ksd_after_defaults("donut", 1500, 1, &x);
  RecordProperty("ksd2_imq", std::to_string(ksd));
  EXPECT_LT(ksd, 2.0);
  auto t = make_target(TargetSpec{"donut"});
  Rng rng(4242);
  Points ref;
  GridReference::compute(t)->sample(5000, rng, ref);
  const double ed = energy_distance(x, ref);
  RecordProperty("energy_distance", std::to_string(ed));
  EXPECT_LT(ed, 0.3) << "DFT collapsed onto part of the ring";
}

TEST(DftSlow, RosenbrockReachesDocumentedLevel) {
  const double ksd = dft_ksd_after_defaults("rosenbrock", 1500, 1, nullptr);
  RecordProperty("ksd2_imq", std::to_string(ksd));
  EXPECT_LT(ksd, 40.0);
}

// Issue 6 test (4): every built-in target at the defaults for a short budget, no divergence.
TEST(DftSlow, NoDivergenceOnEveryTargetAtDefaults) {
  testing::expect_no_divergence_on_every_target("dft", 25);
}

}  // namespace
}  // namespace ss
