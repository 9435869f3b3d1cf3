// Tests of the shared neural-sampler pieces: the score network's ε-parametrized score, its input
// VJP and DSM gradient, and the generator's backward pass, all against central finite differences;
// the initial-scale calibration; the σ schedule.
#include "core/samplers/neural_common.h"

#include <gtest/gtest.h>

#include <Eigen/LU>
#include <cmath>

namespace ss {
namespace {

const Box kBox{-2.0, 3.0, -1.0, 4.0};

// Central differences with h = 1e-5 on O(1) smooth functions have truncation error ~h²·f''' ≈ 1e-10
// and rounding ~1e-16/h ≈ 1e-11; 1e-6 relative (as the nn toolkit's own tests) is a wide margin
// that still catches any wrong factor such as a missing 1/σ or 1/s.
constexpr double kTol = 1e-6;
constexpr double kH = 1e-5;

Points random_points(int n, Rng& rng) {
  Points x(n, 2);
  for (int i = 0; i < n; ++i)
    x.row(i) << rng.uniform(kBox.xmin, kBox.xmax), rng.uniform(kBox.ymin, kBox.ymax);
  return x;
}

TEST(NoisedScoreNetwork, ScoreVjpMatchesFiniteDifferences) {
  for (int act = 0; act < 4; ++act) {
    Rng rng(11 + act);
    NoisedScoreNetwork net;
    net.build(16, 2, neural_activation(act), kBox, rng);
    net.set_sigma(0.3);
    const Points x = random_points(7, rng);
    Points w(7, 2);
    rng.fill_normal(w);
    Points s, vjp;
    net.score(x, s);
    net.score_vjp(w, vjp);
    for (int i = 0; i < 7; ++i)
      for (int k = 0; k < 2; ++k) {
        Points xp = x, xm = x, sp, sm;
        xp(i, k) += kH;
        xm(i, k) -= kH;
        net.score(xp, sp);
        net.score(xm, sm);
        const double fd = (w.row(i).dot(sp.row(i)) - w.row(i).dot(sm.row(i))) / (2 * kH);
        EXPECT_NEAR(vjp(i, k), fd, kTol * (1 + std::abs(fd))) << "activation " << act;
      }
  }
}

// The `score_affine` knob's whitened inputs u = L⁻¹ (x − c) with a non-diagonal L: the score is
// −ε̂(u)/σ recomputed from the MLP (to rounding, 1e-12), and the input VJP, which now mixes the
// two axes through L⁻ᵀ, matches central differences.
TEST(NoisedScoreNetwork, InputAffineScoreAndVjpMatchTheirDefinitions) {
  Rng rng(17);
  NoisedScoreNetwork net;
  net.build(16, 2, nn::Activation::kSiLU, kBox, rng);
  const Vec2 c(0.7, 1.1);
  Mat2 l;
  l << 0.45, 0.0, 0.85, 0.3;
  net.set_input_affine(c, l);
  net.set_sigma(0.2);
  const Points x = random_points(6, rng);
  Points s;
  net.score(x, s);
  nn::RowMatrix u(6, 2);
  for (int i = 0; i < 6; ++i) u.row(i) = (l.inverse() * (x.row(i).transpose() - c)).transpose();
  const nn::RowMatrix e = net.net().forward(u);
  for (int i = 0; i < 6; ++i)
    for (int k = 0; k < 2; ++k)
      EXPECT_NEAR(s(i, k), -e(i, k) / 0.2, 1e-12 * (1 + std::abs(s(i, k))));
  Points w(6, 2), vjp;
  rng.fill_normal(w);
  net.score(x, s);
  net.score_vjp(w, vjp);
  for (int i = 0; i < 6; ++i)
    for (int k = 0; k < 2; ++k) {
      Points xp = x, xm = x, sp, sm;
      xp(i, k) += kH;
      xm(i, k) -= kH;
      net.score(xp, sp);
      net.score(xm, sm);
      const double fd = (w.row(i).dot(sp.row(i)) - w.row(i).dot(sm.row(i))) / (2 * kH);
      EXPECT_NEAR(vjp(i, k), fd, kTol * (1 + std::abs(fd))) << "row " << i << " axis " << k;
    }
}

TEST(NoisedScoreNetwork, InputAffineRejectsANonTriangularOrSingularFactor) {
  Rng rng(19);
  NoisedScoreNetwork net;
  net.build(8, 1, nn::Activation::kSiLU, kBox, rng);
  Mat2 upper;
  upper << 1.0, 0.5, 0.0, 1.0;
  EXPECT_THROW(net.set_input_affine(Vec2::Zero(), upper), std::invalid_argument);
  EXPECT_THROW(net.set_input_affine(Vec2::Zero(), Mat2::Zero()), std::invalid_argument);
  EXPECT_THROW(net.set_input_affine(Vec2(0.0, NAN), Mat2::Identity()), std::invalid_argument);
  EXPECT_NO_THROW(net.set_input_affine(Vec2::Zero(), Mat2::Identity()));
}

TEST(NoisedScoreNetwork, ScoreIsMinusNetworkOutputOverSigma) {
  Rng rng(3);
  NoisedScoreNetwork net;
  net.build(8, 1, nn::Activation::kTanh, kBox, rng);
  const Points x = random_points(5, rng);
  Points s1, s2;
  net.set_sigma(0.5);
  net.score(x, s1);
  net.set_sigma(0.25);
  net.score(x, s2);
  for (int i = 0; i < 5; ++i)
    for (int k = 0; k < 2; ++k)
      EXPECT_NEAR(s2(i, k), 2.0 * s1(i, k), 1e-12 * (1 + std::abs(s1(i, k))));
}

TEST(NoisedScoreNetwork, DsmGradientMatchesFiniteDifferences) {
  Rng rng(5);
  NoisedScoreNetwork net;
  net.build(12, 2, nn::Activation::kSiLU, kBox, rng);
  net.set_sigma(0.2);
  const Points x = random_points(9, rng);
  Points eps(9, 2);
  rng.fill_normal(eps);
  net.dsm_loss_and_gradient(x, eps);
  const Vec grad = net.net().gradients();
  auto params = net.net().parameters();
  for (Eigen::Index p = 0; p < params.size(); p += 7) {
    const double saved = params[p];
    params[p] = saved + kH;
    const double lp = net.dsm_loss_and_gradient(x, eps);
    params[p] = saved - kH;
    const double lm = net.dsm_loss_and_gradient(x, eps);
    params[p] = saved;
    const double fd = (lp - lm) / (2 * kH);
    EXPECT_NEAR(grad[p], fd, kTol * (1 + std::abs(fd))) << "parameter " << p;
  }
}

TEST(ImplicitGenerator, BackwardMatchesFiniteDifferences) {
  Rng rng(8);
  ImplicitGenerator gen;
  gen.build(3, 10, 2, nn::Activation::kSiLU, kBox, 0.5, rng);
  nn::RowMatrix z(6, 3);
  rng.fill_normal(z);
  Points w(6, 2), x;
  rng.fill_normal(w);
  gen.forward(z, x);
  gen.backward(w);
  const Vec grad = gen.net().gradients();
  auto objective = [&] {
    Points y;
    gen.forward(z, y);
    return (y.array() * w.array()).sum();
  };
  auto params = gen.net().parameters();
  for (Eigen::Index p = 0; p < params.size(); p += 5) {
    const double saved = params[p];
    params[p] = saved + kH;
    const double fp = objective();
    params[p] = saved - kH;
    const double fm = objective();
    params[p] = saved;
    const double fd = (fp - fm) / (2 * kH);
    EXPECT_NEAR(grad[p], fd, kTol * (1 + std::abs(fd))) << "parameter " << p;
  }
}

TEST(ImplicitGenerator, InitialSamplesAreCalibratedToTheViewBox) {
  Rng rng(21);
  ImplicitGenerator gen;
  const double spread = 0.4;
  gen.build(4, 64, 2, nn::Activation::kSiLU, kBox, spread, rng);
  nn::RowMatrix z(20000, 4);
  rng.fill_normal(z);
  Points x;
  gen.forward(z, x);
  const Vec2 c(0.5, 1.5), s(2.5, 2.5);
  for (int k = 0; k < 2; ++k) {
    const double mean = x.col(k).mean();
    const double sd = std::sqrt((x.col(k).array() - mean).square().mean());
    // Calibrated exactly on 1024 other draws: the mean and std estimated from 1024 samples differ
    // from the population values by ~1/√1024 ≈ 3 % of the std; 10 % is a 3-sigma margin.
    EXPECT_NEAR(mean, c[k], 0.1 * spread * s[k]);
    EXPECT_NEAR(sd, spread * s[k], 0.1 * spread * s[k]);
  }
}

// The `skip` and `output_affine` knobs: x = c + L (A (z₁, z₂) + f_θ(z)), recomputed here from the
// MLP's own output for every skip mode and a non-diagonal L (agreement to rounding: 1e-12).
TEST(ImplicitGenerator, ForwardIsCentreplusAffineOfSkipPlusNetwork) {
  const Vec2 c(0.3, -1.2);
  Mat2 l;
  l << 1.5, 0.0, -0.7, 0.4;
  for (int mode = 0; mode < 3; ++mode) {
    Rng rng(31 + mode);
    ImplicitGenerator gen;
    gen.build(3, 12, 2, nn::Activation::kTanh, kBox, 0.6, rng, static_cast<GeneratorSkip>(mode));
    gen.set_output_affine(c, l);
    // Move every trainable parameter away from its initial value (a zero last layer, A = a I).
    for (const auto& span : gen.parameter_spans())
      for (Eigen::Index p = 0; p < span.size; ++p) span.values[p] += 0.2 * rng.normal();
    nn::RowMatrix z(7, 3);
    rng.fill_normal(z);
    Points x;
    gen.forward(z, x);
    const Mat2 a = gen.skip_matrix();
    if (mode == 0) EXPECT_EQ(a, Mat2(0.6 * Mat2::Identity()));
    if (mode == 2) EXPECT_EQ(a, Mat2::Zero());
    const nn::RowMatrix f = gen.net().forward(z);
    for (Eigen::Index i = 0; i < z.rows(); ++i) {
      const Vec2 z12(z(i, 0), z(i, 1));
      const Vec2 expect = c + l * (a * z12 + f.row(i).transpose());
      EXPECT_NEAR(x(i, 0), expect[0], 1e-12) << "mode " << mode << " row " << i;
      EXPECT_NEAR(x(i, 1), expect[1], 1e-12) << "mode " << mode << " row " << i;
    }
    EXPECT_EQ(gen.num_parameters(), gen.net().num_parameters() + (mode == 1 ? 4 : 0));
    EXPECT_EQ(gen.parameter_spans().size(), mode == 1 ? 2u : 1u);
  }
}

// Backward with a learned skip and a non-diagonal output affine: every parameter of both spans
// (the MLP's and A's) against central differences.
TEST(ImplicitGenerator, LearnedSkipAndAffineBackwardMatchFiniteDifferences) {
  Rng rng(41);
  ImplicitGenerator gen;
  gen.build(4, 10, 2, nn::Activation::kSiLU, kBox, 0.5, rng, GeneratorSkip::kLearned);
  Mat2 l;
  l << 0.8, 0.0, 0.5, 1.3;
  gen.set_output_affine(Vec2(1.0, 2.0), l);
  for (const auto& span : gen.parameter_spans())
    for (Eigen::Index p = 0; p < span.size; ++p) span.values[p] += 0.3 * rng.normal();
  nn::RowMatrix z(6, 4);
  rng.fill_normal(z);
  Points w(6, 2), x;
  rng.fill_normal(w);
  gen.forward(z, x);
  gen.backward(w);
  auto objective = [&] {
    Points y;
    gen.forward(z, y);
    return (y.array() * w.array()).sum();
  };
  const auto spans = gen.parameter_spans();
  ASSERT_EQ(spans.size(), 2u);
  for (size_t k = 0; k < spans.size(); ++k) {
    const Vec grad = Eigen::Map<const Vec>(spans[k].gradients, spans[k].size);
    const Eigen::Index stride = k == 0 ? 5 : 1;
    for (Eigen::Index p = 0; p < spans[k].size; p += stride) {
      double& v = spans[k].values[p];
      const double saved = v;
      v = saved + kH;
      const double fp = objective();
      v = saved - kH;
      const double fm = objective();
      v = saved;
      const double fd = (fp - fm) / (2 * kH);
      EXPECT_NEAR(grad[p], fd, kTol * (1 + std::abs(fd))) << "span " << k << " parameter " << p;
    }
  }
}

// skip = off: a random MLP whose last layer is whitened on 4096 latent draws, so the initial
// samples have mean c and covariance a² L Lᵀ; checked on 20000 other draws (estimation error of a
// mean or std from 4096 draws ≈ 1/√4096 ≈ 1.6 % of the std, of a correlation ≈ 0.016: 10 % and
// 0.08 are > 5-sigma margins), and the MLP's last layer is not zero (the map is not the skip).
TEST(ImplicitGenerator, SkipOffStartsWithCalibratedMoments) {
  Rng rng(51);
  ImplicitGenerator gen;
  const double spread = 0.4;
  gen.build(4, 64, 2, nn::Activation::kSiLU, kBox, spread, rng, GeneratorSkip::kOff);
  EXPECT_GT(gen.net().weight(gen.net().num_layers() - 1).norm(), 0.0);
  nn::RowMatrix z(20000, 4);
  rng.fill_normal(z);
  Points x;
  gen.forward(z, x);
  const Vec2 c(0.5, 1.5), s(2.5, 2.5);
  Vec2 sd;
  for (int k = 0; k < 2; ++k) {
    const double mean = x.col(k).mean();
    sd[k] = std::sqrt((x.col(k).array() - mean).square().mean());
    EXPECT_NEAR(mean, c[k], 0.1 * spread * s[k]);
    EXPECT_NEAR(sd[k], spread * s[k], 0.1 * spread * s[k]);
  }
  const double corr =
      ((x.col(0).array() - x.col(0).mean()) * (x.col(1).array() - x.col(1).mean())).mean() /
      (sd[0] * sd[1]);
  EXPECT_NEAR(corr, 0.0, 0.08);
}

TEST(ImplicitGenerator, OutputAffineRejectsANonTriangularOrSingularFactor) {
  Rng rng(61);
  ImplicitGenerator gen;
  gen.build(2, 8, 1, nn::Activation::kSiLU, kBox, 0.5, rng);
  Mat2 upper;
  upper << 1.0, 0.5, 0.0, 1.0;
  EXPECT_THROW(gen.set_output_affine(Vec2::Zero(), upper), std::invalid_argument);
  EXPECT_THROW(gen.set_output_affine(Vec2::Zero(), Mat2::Zero()), std::invalid_argument);
  EXPECT_THROW(gen.set_output_affine(Vec2(NAN, 0.0), Mat2::Identity()), std::invalid_argument);
  EXPECT_NO_THROW(gen.set_output_affine(Vec2::Zero(), Mat2::Identity()));
}

TEST(AnnealedSigma, GeometricFromStartToFinal) {
  EXPECT_DOUBLE_EQ(annealed_sigma(0.05, 0.5, 0, 0), 0.05);
  EXPECT_DOUBLE_EQ(annealed_sigma(0.05, 0.5, 100, 0), 0.5);
  EXPECT_NEAR(annealed_sigma(0.05, 0.5, 100, 50), std::sqrt(0.05 * 0.5), 1e-15);
  EXPECT_DOUBLE_EQ(annealed_sigma(0.05, 0.5, 100, 100), 0.05);
  EXPECT_DOUBLE_EQ(annealed_sigma(0.05, 0.5, 100, 1e9), 0.05);
}

}  // namespace
}  // namespace ss
