#include "core/samplers/metropolis.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>

#include "gaussian_target.h"

namespace ss {
namespace {

using test_util::Gaussian2;
using test_util::kMu;
using test_util::sigma;

test_util::Moments moments(MetropolisSampler& s, int iterations) {
  return test_util::check_moments(
      s, [&]() -> const Points& { return s.states(); }, iterations, kMu, sigma());
}

TEST(MetropolisSlow, RandomWalkMeanAndCovarianceWithinThreeStandardErrors) {
  MetropolisSampler rw(std::make_shared<Gaussian2>(), MetropolisSampler::Variant::rwmh);
  rw.set_params({{"chains", 100}, {"warmup", 500}});
  rw.reset(11);
  for (int t = 0; t < 500; ++t) rw.step();
  const double sigma_frozen = rw.scale();
  const auto r = moments(rw, 4000);
  // 3 Monte-Carlo standard errors (ESS of each quantity, 100 chains × 4000 draws) on 2 means and
  // 3 covariance entries.
  EXPECT_LT(r.max_z_mean, 3.0);
  EXPECT_LT(r.max_z_cov, 3.0);
  EXPECT_EQ(rw.scale(), sigma_frozen);
  EXPECT_NEAR(rw.acceptance(), 0.35, 0.05);  // warm-up reached its target
  // Gradient-free: one log density per chain per step (+ the initial one), no score.
  EXPECT_EQ(rw.counters().score, 0u);
  EXPECT_EQ(rw.counters().log_density, 100u * 4501u);
  EXPECT_EQ(rw.counters().cost(), rw.counters().log_density);
}

TEST(MetropolisSlow, AdaptiveMetropolisMeanCovarianceAndLearnedProposal) {
  MetropolisSampler am(std::make_shared<Gaussian2>(), MetropolisSampler::Variant::adaptive);
  am.set_params({{"chains", 100}});
  am.reset(12);
  for (int t = 0; t < 1000; ++t) am.step();
  const auto r = moments(am, 4000);
  EXPECT_LT(r.max_z_mean, 3.0);
  EXPECT_LT(r.max_z_cov, 3.0);
  // Each chain's proposal covariance tends to 2.88·(Σ + εI): after 5000 iterations of one chain
  // (ESS ≈ 5000/10) its entries are within ~15 % (3 SE of a covariance estimate from ~500
  // effective draws is ≈ 3·√2/√500 ≈ 0.19 relative; the mean over 100 chains is 10× tighter).
  Mat2 mean_c = Mat2::Zero();
  for (int c = 0; c < 100; ++c) mean_c += am.proposal_covariance(c) / 100.0;
  const Mat2 expected = 2.88 * (sigma() + 1e-4 * Mat2::Identity());
  EXPECT_NEAR(mean_c(0, 0), expected(0, 0), 0.06 * expected(0, 0));
  EXPECT_NEAR(mean_c(1, 1), expected(1, 1), 0.06 * expected(1, 1));
  EXPECT_NEAR(mean_c(0, 1), expected(0, 1), 0.1 * expected(0, 1));
}

TEST(Metropolis, SameTrajectoryWithOneAndTwoThreadsAndTheWindowFeedsTheMetrics) {
  auto target = std::make_shared<Gaussian2>();
  auto run = [&](int threads, std::uint64_t seed, MetropolisSampler::Variant v) {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, threads);
    MetropolisSampler s(target, v);
    s.set_params({{"chains", 300}});
    s.reset(seed);
    for (int t = 0; t < 150; ++t) s.step();
    return Points(s.states());
  };
  for (auto v : {MetropolisSampler::Variant::rwmh, MetropolisSampler::Variant::adaptive}) {
    const Points a = run(1, 3, v), b = run(2, 3, v), c = run(2, 4, v);
    EXPECT_TRUE((a.array() == b.array()).all());
    EXPECT_FALSE((a.array() == c.array()).all());
  }
  // 300 chains, thinning 5: after 150 steps the window holds the initial state + 30 records;
  // 1000 evaluation points = the 3 newest records + 100 strided chains of the 4th.
  MetropolisSampler s(target, MetropolisSampler::Variant::rwmh);
  s.set_params({{"chains", 300}});
  s.reset(1);
  for (int t = 0; t < 150; ++t) s.step();
  Points eval;
  s.evaluation_samples(1000, eval);
  ASSERT_EQ(eval.rows(), 1000);
  EXPECT_TRUE(eval.topRows(300) == s.states());
  ASSERT_NE(s.chain_window(), nullptr);
  EXPECT_EQ(s.chain_window()->size(), 31);
  const WindowDiagnostics d = window_diagnostics(*s.chain_window());
  EXPECT_TRUE(std::isfinite(d.rhat));
  EXPECT_GT(d.window_cost, 0);
}

TEST(Metropolis, SlowMotionTraceOfTheFollowedChain) {
  MetropolisSampler s(std::make_shared<Gaussian2>(), MetropolisSampler::Variant::rwmh);
  s.set_params({{"chains", 20}, {"follow_chain", 7}});
  s.reset(2);
  const Vec2 before = s.states().row(7).transpose();
  s.step();
  SamplerOverlay o;
  s.fill_overlay(o);
  EXPECT_EQ(o.proposal.chain, 7);
  EXPECT_EQ(o.proposal.iteration, 1);
  EXPECT_EQ(o.proposal.start, before);
  ASSERT_EQ(o.proposal.path.rows(), 1);
  const Vec2 proposed = o.proposal.path.row(0).transpose();
  EXPECT_EQ(o.proposal.end, o.proposal.accepted ? proposed : before);
  EXPECT_GE(o.proposal.accept_prob, 0.0);
  EXPECT_LE(o.proposal.accept_prob, 1.0);
}

TEST(Metropolis, RegisteredWithTheirKnobs) {
  auto target = std::make_shared<Gaussian2>();
  EXPECT_EQ(make_sampler("rwmh", target, {}, 1)->kind(), "rwmh");
  EXPECT_EQ(make_sampler("adaptive_mh", target, {{"chains", 5}}, 1)->display_samples().rows(), 5);
  EXPECT_THROW(make_sampler("rwmh", target, {{"proposal_scale", -1}}, 1), ParamError);
  EXPECT_FALSE(sampler_about("rwmh").empty());
}

}  // namespace
}  // namespace ss
