// RealNVP: invertibility, log-determinant, normalization, hand-written gradients against central
// finite differences, save/load, and maximum-likelihood training (the last two are Slow).
//
// Relative error (as in tests/nn/mlp_test.cpp): rel_err(a, f) = ‖a − f‖∞ / max(‖f‖∞, 1e-12).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <sstream>

#include "core/flows/realnvp.h"

namespace ss::flows {
namespace {

using nn::RowMatrix;

double rel_err(const Vec& a, const Vec& f) {
  return (a - f).lpNorm<Eigen::Infinity>() / std::max(f.lpNorm<Eigen::Infinity>(), 1e-12);
}

// A flow with non-trivial couplings: every net re-drawn with a non-zero output layer.
RealNvp random_flow(std::uint64_t seed, RealNvpOptions o = {}, double last_scale = 0.4) {
  Rng rng(seed);
  RealNvp flow(o, rng);
  for (int k = 0; k < flow.num_couplings(); ++k) {
    flow.net(k).initialize(rng, {nn::Init::kGlorotNormal, last_scale, 0.0});
    for (int l = 0; l < flow.net(k).num_layers(); ++l)
      for (Eigen::Index i = 0; i < flow.net(k).bias(l).size(); ++i)
        flow.net(k).bias(l)(i) = 0.2 * rng.normal();
  }
  flow.set_whitening(Vec2(0.7, -1.2), Vec2(1.6, 0.5));
  return flow;
}

RowMatrix random_points(Rng& rng, Eigen::Index n, double scale = 1.5) {
  RowMatrix x(n, 2);
  rng.fill_normal(x);
  return x * scale;
}

Vec concat_gradients(RealNvp& flow) {
  Vec g(flow.num_parameters());
  Eigen::Index off = 0;
  for (const auto& s : flow.parameters()) {
    g.segment(off, s.size) = s.gradient_map();
    off += s.size;
  }
  return g;
}

TEST(RealNvp, StartsAsTheIdentityUpToWhitening) {
  Rng rng(1);
  RealNvp flow({}, rng);
  flow.set_whitening(Vec2(1.0, -2.0), Vec2(2.0, 0.5));
  const RowMatrix x = random_points(rng, 50);
  Vec lq(50);
  flow.log_prob(x, lq);
  for (Eigen::Index i = 0; i < 50; ++i) {
    const double u = (x(i, 0) - 1.0) / 2.0, v = (x(i, 1) + 2.0) / 0.5;
    const double expected =
        -0.5 * (u * u + v * v) - std::log(2 * std::numbers::pi) - std::log(2.0) - std::log(0.5);
    EXPECT_NEAR(lq(i), expected, 1e-14);
  }
}

TEST(RealNvp, InverseOfForwardIsIdentity) {
  for (nn::Activation act : {nn::Activation::kSiLU, nn::Activation::kTanh, nn::Activation::kReLU}) {
    RealNvpOptions o;
    o.activation = act;
    RealNvp flow = random_flow(3, o);
    Rng rng(4);
    const RowMatrix x = random_points(rng, 300);
    RowMatrix z(300, 2), back(300, 2);
    Vec ld_f(300), ld_i(300);
    flow.to_latent(x, z, ld_f);
    flow.from_latent(z, back, ld_i);
    EXPECT_LT((back - x).lpNorm<Eigen::Infinity>(), 1e-10);
    // The inverse's log-det is minus the forward one.
    EXPECT_LT((ld_f + ld_i).lpNorm<Eigen::Infinity>(), 1e-10);
    EXPECT_GT((z - x).lpNorm<Eigen::Infinity>(), 0.1);  // the flow is not the identity
  }
}

TEST(RealNvp, LogDetMatchesNumericalJacobianDeterminant) {
  RealNvp flow = random_flow(5);
  Rng rng(6);
  const RowMatrix x = random_points(rng, 40);
  RowMatrix z(40, 2);
  Vec ld(40);
  flow.to_latent(x, z, ld);
  // Central differences of f with h = 1e-6: truncation O(h²) and rounding O(1e-16/h) ≈ 1e-10 on
  // the Jacobian entries, so log|det| agrees to ~1e-9; tolerance 1e-7.
  const double h = 1e-6;
  RowMatrix p(1, 2), zp(1, 2), zm(1, 2);
  Vec l1(1);
  for (Eigen::Index i = 0; i < 40; ++i) {
    Mat2 jac;
    for (int k = 0; k < 2; ++k) {
      p = x.row(i);
      p(0, k) += h;
      flow.to_latent(p, zp, l1);
      p(0, k) -= 2 * h;
      flow.to_latent(p, zm, l1);
      jac.col(k) = (zp - zm).row(0).transpose() / (2 * h);
    }
    EXPECT_NEAR(std::log(std::abs(jac(0, 0) * jac(1, 1) - jac(0, 1) * jac(1, 0))), ld(i), 1e-7)
        << i;
  }
}

TEST(RealNvp, SampleLogDensityMatchesLogProb) {
  RealNvp flow = random_flow(7);
  Rng rng(8);
  RowMatrix x(500, 2);
  Vec ld(500), lq(500);
  flow.sample(500, rng, x, ld);
  flow.log_prob(x, lq);
  EXPECT_LT((ld - lq).lpNorm<Eigen::Infinity>(), 1e-10);
  // Same seed, same samples.
  Rng rng2(8);
  RowMatrix x2(500, 2);
  Vec ld2(500);
  flow.sample(500, rng2, x2, ld2);
  EXPECT_EQ(x, x2);
}

TEST(RealNvpSlow, DensityIntegratesToOneOnAGrid) {
  // 4 couplings with noticeably non-Gaussian maps, whitening on. Midpoint rule on an 800² grid
  // over [−10, 10]² (cell 0.025, against a narrowest scale of ≈ 0.5·e^{-2} ≈ 0.07): the density
  // is smooth (SiLU nets), so the O(h²) quadrature error is well below 1e-3, and the mass outside
  // the box is checked from samples to be negligible.
  RealNvpOptions o;
  o.num_couplings = 4;
  RealNvp flow = random_flow(9, o, 0.6);
  const int m = 800;
  const double lo = -10, hi = 10, dx = (hi - lo) / m;
  RowMatrix grid(m, 2);
  Vec lq(m);
  double mass = 0;
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < m; ++j) {
      grid(j, 0) = lo + (i + 0.5) * dx;
      grid(j, 1) = lo + (j + 0.5) * dx;
    }
    flow.log_prob(grid, lq);
    mass += lq.array().exp().sum();
  }
  mass *= dx * dx;
  EXPECT_NEAR(mass, 1.0, 1e-3);
  Rng rng(10);
  RowMatrix s(100000, 2);
  Vec ls(100000);
  flow.sample(100000, rng, s, ls);
  int outside = 0;
  for (Eigen::Index i = 0; i < s.rows(); ++i)
    outside += (std::abs(s(i, 0)) > 10 || std::abs(s(i, 1)) > 10);
  EXPECT_LE(outside, 10);  // < 1e-4 of the mass lies outside the grid
}

class RealNvpGradient : public ::testing::TestWithParam<nn::Activation> {};

TEST_P(RealNvpGradient, NllParameterGradientMatchesFiniteDifferences) {
  RealNvpOptions o;
  o.num_couplings = 4;
  o.hidden = {8, 6};
  o.activation = GetParam();
  o.scale_bound = 1.3;
  RealNvp flow = random_flow(11, o, 0.5);
  Rng rng(12);
  const RowMatrix x = random_points(rng, 60);
  const double nll = flow.nll_and_gradient(x);
  const Vec analytic = concat_gradients(flow);
  Vec lq(60);
  flow.log_prob(x, lq);
  EXPECT_NEAR(nll, -lq.mean(), 1e-12);

  Vec fd(flow.num_parameters());
  Eigen::Index off = 0;
  for (const auto& s : flow.parameters()) {
    for (Eigen::Index j = 0; j < s.size; ++j) {
      const double saved = s.values[j], h = 1e-6 * std::max(1.0, std::abs(saved));
      s.values[j] = saved + h;
      flow.log_prob(x, lq);
      const double up = -lq.mean();
      s.values[j] = saved - h;
      flow.log_prob(x, lq);
      const double down = -lq.mean();
      s.values[j] = saved;
      fd(off + j) = (up - down) / (2 * h);
    }
    off += s.size;
  }
  EXPECT_LT(rel_err(analytic, fd), 1e-6);
  EXPECT_GT(analytic.norm(), 1e-3);
}

TEST_P(RealNvpGradient, InputGradientOfLogProbMatchesFiniteDifferences) {
  RealNvpOptions o;
  o.num_couplings = 5;
  o.hidden = {7};
  o.activation = GetParam();
  RealNvp flow = random_flow(13, o, 0.5);
  Rng rng(14);
  RowMatrix x = random_points(rng, 30);
  Vec lq(30), lp(30), lm(30);
  RowMatrix grad(30, 2);
  flow.log_prob_gradient(x, lq, grad);
  Vec fd(60), an(60);
  for (Eigen::Index i = 0; i < 30; ++i)
    for (int k = 0; k < 2; ++k) {
      const double saved = x(i, k), h = 1e-6 * std::max(1.0, std::abs(saved));
      x(i, k) = saved + h;
      flow.log_prob(x, lp);
      x(i, k) = saved - h;
      flow.log_prob(x, lm);
      x(i, k) = saved;
      fd(2 * i + k) = (lp(i) - lm(i)) / (2 * h);
      an(2 * i + k) = grad(i, k);
    }
  EXPECT_LT(rel_err(an, fd), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Activations, RealNvpGradient,
                         ::testing::Values(nn::Activation::kSiLU, nn::Activation::kTanh,
                                           nn::Activation::kLeakyReLU, nn::Activation::kSoftplus),
                         [](const auto& info) { return nn::activation_name(info.param); });

TEST(RealNvp, LargeBatchGradientEqualsMeanOfSmallBatches) {
  // 1000 rows run through the nets' multi-block paths; the mean-NLL gradient must equal the
  // size-weighted mean of the gradients of 10 batches of 100 (to rounding).
  RealNvp flow = random_flow(15);
  Rng rng(16);
  const RowMatrix x = random_points(rng, 1000);
  flow.nll_and_gradient(x);
  const Vec big = concat_gradients(flow);
  Vec sum = Vec::Zero(big.size());
  for (int b = 0; b < 10; ++b) {
    flow.nll_and_gradient(x.middleRows(100 * b, 100));
    sum += concat_gradients(flow) / 10.0;
  }
  EXPECT_LT(rel_err(big, sum), 1e-12);
}

TEST(RealNvp, SaveLoadRoundTripIsExact) {
  RealNvpOptions o;
  o.hidden = {5, 4};
  o.activation = nn::Activation::kTanh;
  o.scale_bound = 0.7;
  RealNvp flow = random_flow(17, o);
  std::stringstream ss;
  flow.save(ss);
  RealNvp back = RealNvp::load(ss);
  EXPECT_EQ(back.num_couplings(), flow.num_couplings());
  EXPECT_EQ(back.options().hidden, o.hidden);
  EXPECT_EQ(back.whitening_std(), flow.whitening_std());
  Rng rng(18);
  const RowMatrix x = random_points(rng, 20);
  Vec a(20), b(20);
  flow.log_prob(x, a);
  back.log_prob(x, b);
  EXPECT_EQ(a, b);
  std::string bytes = ss.str();
  std::stringstream cut(bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(RealNvp::load(cut), std::runtime_error);
}

TEST(RealNvp, BadInputGivesClearErrors) {
  RealNvpOptions o;
  o.num_couplings = 0;
  Rng rng(1);
  EXPECT_THROW(RealNvp(o, rng), std::invalid_argument);
  o.num_couplings = 2;
  o.scale_bound = -1;
  EXPECT_THROW(RealNvp(o, rng), std::invalid_argument);
  RealNvp flow({}, rng);
  EXPECT_THROW(flow.set_whitening(Vec2(0, 0), Vec2(1, 0)), std::invalid_argument);
  RowMatrix x3(4, 3);
  x3.setZero();
  Vec lq(4);
  EXPECT_THROW(flow.log_prob(x3, lq), std::invalid_argument);
  RowMatrix x(4, 2);
  x.setZero();
  Vec wrong(3);
  EXPECT_THROW(flow.log_prob(x, wrong), std::invalid_argument);
  RealNvp fresh({}, rng);
  EXPECT_THROW(fresh.backward_nll(), std::logic_error);
  RealNvp empty_flow({}, rng);  // empty batches are fine where documented
  RowMatrix none(0, 2);
  Vec no_values(0);
  empty_flow.log_prob(none, no_values);
  empty_flow.sample(0, rng, none, no_values);
  EXPECT_THROW(empty_flow.nll_and_gradient(none), std::invalid_argument);
  FlowTrainOptions t;
  t.batch_size = 0;
  EXPECT_THROW(RealNvpTrainer(flow, t), std::invalid_argument);
}

}  // namespace
}  // namespace ss::flows
