#include "core/samplers/langevin.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <Eigen/LU>
#include <cmath>

#include "core/metrics/chain_diagnostics.h"
#include "gaussian_target.h"

namespace ss {
namespace {

using test_util::Gaussian2;
using test_util::kMu;
using test_util::Moments;
using test_util::sigma;

// ULA on N(μ, Σ) with h = ε²/2: x' = (I − hP)x + hPμ + √(2h)ξ. Stationary mean μ, covariance S
// solving S = A S Aᵀ + 2h I with A = I − hP (fixed-point iteration; ρ(A) < 1 here).
Mat2 ula_stationary_covariance(double eps) {
  const double h = 0.5 * eps * eps;
  const Mat2 a = Mat2::Identity() - h * sigma().inverse();
  Mat2 s = Mat2::Identity();
  for (int k = 0; k < 100000; ++k) s = a * s * a.transpose() + 2 * h * Mat2::Identity();
  return s;
}

Moments check_moments(LangevinSampler& s, int iterations, const Vec2& mean, const Mat2& cov) {
  return test_util::check_moments(
      s, [&]() -> const Points& { return s.states().x; }, iterations, mean, cov);
}

TEST(LangevinSlow, MalaMeanAndCovarianceWithinThreeStandardErrors) {
  LangevinSampler mala(std::make_shared<Gaussian2>(), LangevinSampler::Variant::mala);
  mala.set_params({{"chains", 100}, {"warmup", 500}});
  mala.reset(42);
  for (int t = 0; t < 500; ++t) mala.step();
  ASSERT_TRUE(mala.frozen());
  const double eps = mala.step_size();
  const Moments r = check_moments(mala, 3000, kMu, sigma());
  // 3 Monte-Carlo standard errors (ESS-based) on each of 2 means and 3 covariance entries.
  EXPECT_LT(r.max_z_mean, 3.0);
  EXPECT_LT(r.max_z_cov, 3.0);
  EXPECT_EQ(mala.step_size(), eps);  // frozen after warm-up
  // Acceptance of the production phase inside the band target ± 0.05.
  EXPECT_NEAR(mala.acceptance(), 0.574, 0.05);
  // One joint evaluation per chain per step, plus the initial one.
  EXPECT_EQ(mala.counters().log_density, 100u * 3501u);
  EXPECT_EQ(mala.counters().score, 100u * 3501u);
}

TEST(LangevinSlow, UlaSmallStepMatchesItsStationaryLaw) {
  const double eps = 0.2;
  LangevinSampler ula(std::make_shared<Gaussian2>(), LangevinSampler::Variant::ula);
  ula.set_params({{"chains", 100}, {"step_size", eps}});
  ula.reset(7);
  for (int t = 0; t < 500; ++t) ula.step();
  const Moments r = check_moments(ula, 4000, kMu, ula_stationary_covariance(eps));
  EXPECT_LT(r.max_z_mean, 3.0);
  EXPECT_LT(r.max_z_cov, 3.0);
  EXPECT_EQ(ula.counters().log_density, 0u);
  EXPECT_EQ(ula.counters().score, 100u * 4501u);
}

TEST(LangevinSlow, UlaStepSizeBiasIsVisibleAtALargeStep) {
  // ε = 1.4 (h = 0.98, below the stability limit 2λ_min(Σ) = 1.44): the exact ULA stationary
  // covariance is far from Σ (var_x 1 → about 1.9).
  const double eps = 1.4;
  const Mat2 s_ula = ula_stationary_covariance(eps);
  ASSERT_GT(s_ula(0, 0), 1.5 * sigma()(0, 0));
  LangevinSampler ula(std::make_shared<Gaussian2>(), LangevinSampler::Variant::ula);
  ula.set_params({{"chains", 100}, {"step_size", eps}});
  ula.reset(8);
  for (int t = 0; t < 300; ++t) ula.step();
  const Moments r = check_moments(ula, 3000, kMu, s_ula);
  EXPECT_LT(r.max_z_cov, 3.0);  // matches the biased law …
  LangevinSampler ula2(std::make_shared<Gaussian2>(), LangevinSampler::Variant::ula);
  ula2.set_params({{"chains", 100}, {"step_size", eps}});
  ula2.reset(8);
  for (int t = 0; t < 300; ++t) ula2.step();
  const Moments wrong = check_moments(ula2, 3000, kMu, sigma());
  EXPECT_GT(wrong.max_z_cov, 10.0);  // … and is many standard errors away from the true Σ
  EXPECT_GT(r.cov_hat(0, 0), 1.4 * sigma()(0, 0));
}

TEST(Langevin, UlaDivergesAtAHugeStepAndSaysSo) {
  LangevinSampler ula(std::make_shared<Gaussian2>(), LangevinSampler::Variant::ula);
  ula.set_params({{"chains", 10}, {"step_size", 3.0}});  // h = 4.5 > 2σ²_min: unstable
  ula.reset(1);
  for (int t = 0; t < 5000 && !ula.status().diverged; ++t) ula.step();
  ASSERT_TRUE(ula.status().diverged);
  EXPECT_NE(ula.status().reason.find("non-finite"), std::string::npos);
}

TEST(Langevin, SameTrajectoryWithOneAndTwoThreadsAndSameSeed) {
  auto target = std::make_shared<Gaussian2>();
  auto run = [&](int threads, std::uint64_t seed) {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, threads);
    LangevinSampler mala(target, LangevinSampler::Variant::mala);
    mala.set_params({{"chains", 1000}});
    mala.reset(seed);
    for (int t = 0; t < 30; ++t) mala.step();
    return Points(mala.states().x);
  };
  const Points a = run(1, 3), b = run(2, 3), c = run(2, 4);
  EXPECT_TRUE((a.array() == b.array()).all());
  EXPECT_FALSE((a.array() == c.array()).all());
}

TEST(Langevin, StartsSpreadOverTheBoxOrAtOnePointAndKeepsBoundedTrails) {
  auto target = std::make_shared<Gaussian2>();
  LangevinSampler mala(target, LangevinSampler::Variant::mala);
  mala.set_params({{"chains", 200}, {"trail_chains", 3}, {"trail_length", 10}});
  mala.reset(1);
  const Box box = target->view_box();
  const Points& x = mala.states().x;
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(box.contains(x(i, 0), x(i, 1)));
  EXPECT_GT(x.col(0).maxCoeff() - x.col(0).minCoeff(), 0.8 * box.width());
  for (int t = 0; t < 25; ++t) mala.step();
  SamplerOverlay overlay;
  mala.fill_overlay(overlay);
  ASSERT_EQ(overlay.trails.size(), 3u);
  EXPECT_EQ(overlay.trails[0].rows(), 10);
  EXPECT_TRUE(overlay.trails[2].row(9) == mala.states().x.row(2));
  mala.set_params({{"chains", 50}, {"init", 2}, {"init_x", 2}, {"init_y", 3}});
  mala.reset(1);
  EXPECT_TRUE((mala.states().x.col(0).array() == 2.0).all());
  EXPECT_TRUE((mala.states().x.col(1).array() == 3.0).all());
  Points sub;
  mala.evaluation_samples(10, sub);
  EXPECT_EQ(sub.rows(), 10);
}

TEST(Langevin, RegisteredAsUlaAndMala) {
  auto target = std::make_shared<Gaussian2>();
  EXPECT_EQ(make_sampler("ula", target, {}, 1)->kind(), "ula");
  auto mala = make_sampler("mala", target, {{"chains", 20}}, 1);
  EXPECT_EQ(mala->display_samples().rows(), 20);
  EXPECT_THROW(make_sampler("mala", target, {{"target_accept", 1.5}}, 1), ParamError);
}

}  // namespace
}  // namespace ss
