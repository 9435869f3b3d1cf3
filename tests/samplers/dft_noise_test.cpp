// target_width_quantile / derived_sigma (dft_noise.h) against analytic widths of the built-in
// targets, and the auto-σ of DFT.
#include "core/samplers/dft_noise.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/samplers/dft.h"
#include "neural_test_util.h"

namespace ss {
namespace {

double width_of(const std::string& kind, double alpha = kTargetWidthQuantile) {
  return target_width_quantile(make_target(TargetSpec{kind}), alpha);
}

// Donut −(r − R)²/s²: −H has eigenvalues 2/s² (radial) and (2/s²)(1 − R/r) (tangential), so the
// largest is 2/s² at every point: w ≡ √(s²/2) = √0.0165 exactly, at every quantile.
TEST(DftNoise, DonutWidthIsTheRadialStd) {
  for (double alpha : {0.05, 0.1, 0.5})
    EXPECT_NEAR(width_of("donut", alpha), std::sqrt(0.033 / 2), 1e-9) << alpha;
}

// A single Gaussian: −H = Σ⁻¹ everywhere, w = √λ_min(Σ).
TEST(DftNoise, GaussianWidthIsItsSmallestStd) {
  const Mat2 cov = (Mat2() << 1.0, 0.3, 0.3, 0.6).finished();
  const double lmin = 0.8 - std::hypot(0.2, 0.3);  // eigenvalues of cov: 0.8 ± √(0.04 + 0.09)
  const double w =
      target_width_quantile(testing::gaussian_target(Vec2(0.5, -0.5), cov), kTargetWidthQuantile);
  EXPECT_NEAR(w, std::sqrt(lmin), 1e-9);
}

// Rosenbrock (a = 1, b = 20, T = 0.4): across the valley x₂ = x₁² the curvature is
// 2b(1 + 4x₁²)/T + O(1/T), so w ≈ 0.1/√(1 + 4x₁²); x₁ ~ N(1, 0.2), and the 10 % mass quantile of
// w comes from the 90 % quantile of x₁ = 1 + 1.2816·√0.2 = 1.573: w ≈ 0.1/√(1 + 4·1.573²) = 0.0303.
// Tolerance 10 %: the O(1/T) term of the curvature and the 4000-draw quantile (its standard error
// at α = 0.1 is ≈ 2 % here).
TEST(DftNoise, RosenbrockWidthIsTheValleyWidthAtItsNarrowEnd) {
  EXPECT_NEAR(width_of("rosenbrock"), 0.0303, 0.003);
  // The median: x₁ = 1, w = 0.1/√5 = 0.0447.
  EXPECT_NEAR(width_of("rosenbrock", 0.5), 0.0447, 0.0045);
}

// Mixtures and rings: each component's (radial) std where the mass is. 8 Gaussians: std 0.15;
// rings: radial std 0.15; 2:1 mixture: stds √0.05 = 0.224 (1/3 of the mass) and √0.1 = 0.316,
// so the 10 % quantile is 0.224. Between components the mixture's curvature changes (the
// g gᵀ − s sᵀ terms), which moves a 10 % quantile by a few percent: tolerance 10 %.
TEST(DftNoise, MixtureAndRingWidthsAreTheirComponentStd) {
  EXPECT_NEAR(width_of("gmm_8ring"), 0.15, 0.015);
  EXPECT_NEAR(width_of("rings"), 0.15, 0.015);
  EXPECT_NEAR(width_of("gmm_2to1"), std::sqrt(0.05), 0.1 * std::sqrt(0.05));
}

// Funnel (v = x₂ − 2 ~ N(0, 9), x₁ | v ~ N(0, e^v)): the stiff direction is x₁ with curvature
// e^(−v) (plus the v-coupling), w ≈ e^(v/2); the 10 % quantile of v is −1.2816·3 = −3.84, so
// w ≈ e^(−1.92) = 0.147. The view box truncates v and the coupling terms move it: 25 %.
TEST(DftNoise, FunnelWidthIsItsNeckAtTheTenPercentQuantile) {
  EXPECT_NEAR(width_of("funnel"), 0.147, 0.037);
}

// Every built-in: a finite width, positive, well inside the view box, deterministic; σ_auto is
// half of it.
TEST(DftNoise, EveryBuiltinHasASaneWidth) {
  for (const auto& kind : builtin_target_kinds()) {
    auto t = make_target(TargetSpec{kind});
    const double w = target_width_quantile(t, kTargetWidthQuantile);
    const Box b = t->view_box();
    RecordProperty(kind, std::to_string(w));
    EXPECT_TRUE(std::isfinite(w)) << kind;
    EXPECT_GT(w, 1e-3) << kind;
    EXPECT_LT(w, 0.25 * std::min(b.width(), b.height())) << kind;
    EXPECT_EQ(target_width_quantile(t, kTargetWidthQuantile), w) << kind << ": not deterministic";
    EXPECT_DOUBLE_EQ(derived_sigma(t), kSigmaWidthFraction * w) << kind;
  }
  EXPECT_THROW(width_of("donut", 0.0), std::invalid_argument);
  EXPECT_THROW(width_of("donut", 1.0), std::invalid_argument);
}

// DFT at its defaults uses σ_auto (no annealing) and reports it; an explicit σ overrides it.
TEST(DftNoise, DftUsesTheDerivedSigmaByDefault) {
  auto t = make_target(TargetSpec{"rosenbrock"});
  auto s = make_sampler("dft", t, {{"batch_size", 32}, {"warmup_steps", 1}}, 1);
  s->step();
  double sigma = 0, sigma_auto = 0;
  for (const auto& [name, value] : s->statistics()) {
    if (name == "sigma") sigma = value;
    if (name == "sigma_auto") sigma_auto = value;
  }
  EXPECT_EQ(sigma_auto, derived_sigma(t));
  EXPECT_EQ(sigma, sigma_auto);
  s->set_param("sigma", 0.05);
  s->step();
  for (const auto& [name, value] : s->statistics()) {
    if (name == "sigma") EXPECT_EQ(value, 0.05);
  }
}

}  // namespace
}  // namespace ss
