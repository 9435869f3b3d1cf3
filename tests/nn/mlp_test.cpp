// Gradient checks of the hand-written MLP backprop against central finite differences.
//
// Relative error, as used throughout this file: for an analytic vector a and its finite-difference
// estimate f (same length), rel_err = ‖a − f‖∞ / max(‖f‖∞, 1e-12) — the largest absolute deviation
// measured against the largest entry. We require rel_err < 1e-6 in double. Central differences with
// step h = 1e-6 · max(1, |θ|) have truncation error O(h²) ≈ 1e-12 and rounding error ≈ 1e-16/h ≈
// 1e-10 relative to the loss scale, so 1e-6 leaves margin while still catching any wrong term
// (a missing factor or transposition gives O(1) errors). For ReLU/LeakyReLU the loss is piecewise
// multilinear; with fixed seeds no pre-activation lies within h of a kink, so the difference is
// exact up to rounding.
//
// Scalar test loss: ℓ(θ, x) = Σ_i Σ_o R_io · y_io(θ, x) with a fixed random R, so ∂ℓ/∂y = R.
#include <gtest/gtest.h>

#include <cmath>

#include <sstream>
#include <tuple>
#include <vector>

#include "core/nn/mlp.h"
#include "core/nn/optim.h"
#include "nn/rel_err.h"

namespace ss::nn {
namespace {

using testing::rel_err;

RowMatrix random_rows(Rng& rng, Eigen::Index n, Eigen::Index d, double scale = 1.0) {
  RowMatrix m(n, d);
  rng.fill_normal(m);
  return m * scale;
}

double loss(Mlp& net, const RowMatrix& x, const RowMatrix& r) {
  RowsView y = net.forward(x);
  return (y.array() * r.array()).sum();
}

struct Case {
  std::vector<int> widths;
  Activation act;
};

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  const std::vector<std::vector<int>> shapes = {{2, 2},          {2, 3, 2},  {2, 16, 16, 2},
                                                {3, 8, 5, 4, 1}, {1, 32, 2}, {2, 24, 24, 24, 3}};
  for (Activation a : {Activation::kSiLU, Activation::kTanh, Activation::kReLU,
                       Activation::kLeakyReLU, Activation::kSoftplus, Activation::kTanhSiLU})
    for (const auto& s : shapes) cases.push_back({s, a});
  return cases;
}

std::string case_name(const Case& c) {
  std::string s = activation_name(c.act);
  for (int w : c.widths) s += "_" + std::to_string(w);
  return s;
}

class MlpGradient : public ::testing::TestWithParam<Case> {};

TEST_P(MlpGradient, ParameterGradientMatchesFiniteDifferences) {
  const Case& c = GetParam();
  Rng rng(17);
  Mlp net(c.widths, c.act, 0.05);
  InitOptions init;
  init.scheme = Init::kGlorotNormal;
  init.bias = 0.1;
  net.initialize(rng, init);
  // Random biases too, so every bias gradient is exercised away from zero.
  for (int l = 0; l < net.num_layers(); ++l)
    for (Eigen::Index i = 0; i < net.bias(l).size(); ++i) net.bias(l)(i) = 0.3 * rng.normal();
  const RowMatrix x = random_rows(rng, 7, net.input_dim());
  const RowMatrix r = random_rows(rng, 7, net.output_dim());
  net.forward(x);
  net.backward(r);
  const Eigen::VectorXd analytic = net.gradients();

  Eigen::VectorXd fd(net.num_parameters());
  auto theta = net.parameters();
  for (Eigen::Index j = 0; j < theta.size(); ++j) {
    const double saved = theta(j);
    const double h = 1e-6 * std::max(1.0, std::abs(saved));
    theta(j) = saved + h;
    const double up = loss(net, x, r);
    theta(j) = saved - h;
    const double down = loss(net, x, r);
    theta(j) = saved;
    fd(j) = (up - down) / (2 * h);
  }
  EXPECT_LT(rel_err(analytic, fd), 1e-6) << case_name(c);
  EXPECT_GT(analytic.norm(), 0.0);
}

TEST_P(MlpGradient, InputGradientVjpAndJacobianMatchFiniteDifferences) {
  const Case& c = GetParam();
  Rng rng(23);
  Mlp net(c.widths, c.act, 0.05);
  net.initialize(rng, {Init::kHeUniform, 1.0, 0.0});
  for (int l = 0; l < net.num_layers(); ++l)
    for (Eigen::Index i = 0; i < net.bias(l).size(); ++i) net.bias(l)(i) = 0.3 * rng.normal();
  const Eigen::Index n = 5, din = net.input_dim(), dout = net.output_dim();
  RowMatrix x = random_rows(rng, n, din);
  const RowMatrix r = random_rows(rng, n, dout);

  // Analytic: input VJP, backward's input gradient, and the per-row Jacobians.
  net.forward(x);
  RowMatrix vjp(n, din), bgx(n, din), jac(n, dout * din);
  net.input_vjp(r, vjp);
  net.input_jacobians(jac);
  std::vector<Eigen::MatrixXd> jac_row;
  for (Eigen::Index i = 0; i < n; ++i) jac_row.push_back(net.input_jacobian(i));
  net.backward(r, bgx);

  // Finite differences of every output with respect to every input coordinate.
  Eigen::VectorXd fd_vjp(n * din), fd_jac(n * dout * din);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index k = 0; k < din; ++k) {
      const double saved = x(i, k);
      const double h = 1e-6 * std::max(1.0, std::abs(saved));
      x(i, k) = saved + h;
      const RowMatrix yp = net.forward(x);
      x(i, k) = saved - h;
      const RowMatrix ym = net.forward(x);
      x(i, k) = saved;
      const Eigen::RowVectorXd dy = (yp.row(i) - ym.row(i)) / (2 * h);
      fd_vjp(i * din + k) = dy.dot(r.row(i));
      for (Eigen::Index o = 0; o < dout; ++o) fd_jac(i * dout * din + o * din + k) = dy(o);
    }
  const Eigen::VectorXd vjp_flat = Eigen::Map<const Eigen::VectorXd>(vjp.data(), n * din);
  const Eigen::VectorXd bgx_flat = Eigen::Map<const Eigen::VectorXd>(bgx.data(), n * din);
  const Eigen::VectorXd jac_flat = Eigen::Map<const Eigen::VectorXd>(jac.data(), n * dout * din);
  EXPECT_LT(rel_err(vjp_flat, fd_vjp), 1e-6) << case_name(c);
  EXPECT_LT(rel_err(jac_flat, fd_jac), 1e-6) << case_name(c);
  // backward's input gradient is the same computation as input_vjp: equal to rounding.
  EXPECT_LT(rel_err(bgx_flat, vjp_flat), 1e-14) << case_name(c);
  for (Eigen::Index i = 0; i < n; ++i) {
    Eigen::MatrixXd from_batch(dout, din);
    for (Eigen::Index o = 0; o < dout; ++o)
      for (Eigen::Index k = 0; k < din; ++k) from_batch(o, k) = jac(i, o * din + k);
    EXPECT_LT((jac_row[i] - from_batch).lpNorm<Eigen::Infinity>(),
              1e-13 * std::max(1.0, from_batch.lpNorm<Eigen::Infinity>()));
  }
}

INSTANTIATE_TEST_SUITE_P(AllActivationsAndShapes, MlpGradient, ::testing::ValuesIn(all_cases()),
                         [](const auto& info) { return case_name(info.param); });

TEST(Mlp, LargeNetworkGradientOnParameterSubset) {
  // 2 → 128 → 128 → 2 SiLU (the benchmark network): check every 97th parameter.
  Rng rng(5);
  Mlp net({2, 128, 128, 2}, Activation::kSiLU);
  net.initialize(rng);
  const RowMatrix x = random_rows(rng, 33, 2);
  const RowMatrix r = random_rows(rng, 33, 2);
  net.forward(x);
  net.backward(r);
  const Eigen::VectorXd g = net.gradients();
  std::vector<double> a, f;
  auto theta = net.parameters();
  for (Eigen::Index j = 0; j < theta.size(); j += 97) {
    const double saved = theta(j), h = 1e-6 * std::max(1.0, std::abs(saved));
    theta(j) = saved + h;
    const double up = loss(net, x, r);
    theta(j) = saved - h;
    const double down = loss(net, x, r);
    theta(j) = saved;
    a.push_back(g(j));
    f.push_back((up - down) / (2 * h));
  }
  EXPECT_LT(rel_err(Eigen::Map<Eigen::VectorXd>(a.data(), a.size()),
                    Eigen::Map<Eigen::VectorXd>(f.data(), f.size())),
            1e-6);
}

TEST(Mlp, AccumulateAddsAndOverwriteReplaces) {
  Rng rng(3);
  Mlp net({2, 8, 8, 2}, Activation::kTanh);
  net.initialize(rng);
  const RowMatrix x = random_rows(rng, 6, 2), r = random_rows(rng, 6, 2);
  net.forward(x);
  net.backward(r);
  const Eigen::VectorXd once = net.gradients();
  net.backward(r, GradMode::kAccumulate);
  EXPECT_LT((net.gradients() - 2 * once).lpNorm<Eigen::Infinity>(), 1e-14 * once.norm());
  net.backward(r, GradMode::kOverwrite);
  EXPECT_EQ(net.gradients(), once);
  // Two half-batches accumulated equal the full batch.
  net.zero_gradients();
  net.forward(x.topRows(3));
  net.backward(r.topRows(3), GradMode::kAccumulate);
  net.forward(x.bottomRows(3));
  net.backward(r.bottomRows(3), GradMode::kAccumulate);
  EXPECT_LT((net.gradients() - once).lpNorm<Eigen::Infinity>(), 1e-13 * once.norm());
}

TEST(Mlp, BatchRowsAreIndependent) {
  // Each output row depends only on its input row: forward of a batch equals row-wise forwards
  // (to rounding: a one-row product takes Eigen's matrix-vector kernel, which sums in another
  // order, so the last bits may differ).
  Rng rng(8);
  Mlp net({2, 16, 2}, Activation::kSoftplus);
  net.initialize(rng);
  const RowMatrix x = random_rows(rng, 9, 2);
  const RowMatrix y = net.forward(x);
  for (Eigen::Index i = 0; i < 9; ++i) {
    const RowMatrix yi = net.forward(x.row(i));
    EXPECT_LT((yi.row(0) - y.row(i)).lpNorm<Eigen::Infinity>(), 1e-14 * (1 + y.norm()));
  }
}

TEST(Mlp, InitSchemesHaveTheDocumentedVariance) {
  // Weight variance of a 400 × 300 layer against the formula; 120,000 draws give a relative
  // standard error of √(2/120000) ≈ 0.4 % for a normal (less for a uniform): tolerance 3 %.
  const int fan_in = 300, fan_out = 400;
  struct Expect {
    Init scheme;
    double var;
  };
  for (Expect e : {Expect{Init::kHeNormal, 2.0 / fan_in}, Expect{Init::kHeUniform, 2.0 / fan_in},
                   Expect{Init::kGlorotNormal, 2.0 / (fan_in + fan_out)},
                   Expect{Init::kGlorotUniform, 2.0 / (fan_in + fan_out)}}) {
    Rng rng(99);
    Mlp net({fan_in, fan_out, 1}, Activation::kReLU);
    net.initialize(rng, {e.scheme, 1.0, 0.0});
    const auto w = net.weight(0);
    const double var = w.array().square().mean();
    EXPECT_NEAR(var / e.var, 1.0, 0.03) << static_cast<int>(e.scheme);
    EXPECT_NEAR(w.mean(), 0.0, 4 * std::sqrt(e.var / w.size()));
    if (e.scheme == Init::kHeUniform) {
      EXPECT_LE(w.cwiseAbs().maxCoeff(), std::sqrt(6.0 / fan_in));
    }
  }
}

TEST(Mlp, ZeroLastLayerGivesConstantOutputAndSeedDeterminism) {
  Rng rng_a(42), rng_b(42);
  Mlp a({2, 32, 32, 2}, Activation::kSiLU), b({2, 32, 32, 2}, Activation::kSiLU);
  a.initialize(rng_a, {Init::kHeNormal, 0.0, 0.0});
  b.initialize(rng_b, {Init::kHeNormal, 0.0, 0.0});
  EXPECT_EQ(a.parameters(), b.parameters());
  EXPECT_TRUE(a.weight(2).isZero(0.0));
  EXPECT_FALSE(a.weight(1).isZero(0.0));
  Rng rng(1);
  const RowMatrix y = a.forward(random_rows(rng, 10, 2));
  EXPECT_TRUE(y.isZero(0.0));
}

TEST(Mlp, WeightAndBiasViewsFollowTheDocumentedLayout) {
  Mlp net({3, 4, 2}, Activation::kTanh);
  for (Eigen::Index j = 0; j < net.num_parameters(); ++j) net.parameters()(j) = double(j);
  EXPECT_EQ(net.num_parameters(), 4 * 3 + 4 + 2 * 4 + 2);
  EXPECT_EQ(net.weight(0)(0, 0), 0.0);
  EXPECT_EQ(net.weight(0)(1, 0), 1.0);  // column-major
  EXPECT_EQ(net.weight(0)(0, 1), 4.0);
  EXPECT_EQ(net.bias(0)(0), 12.0);
  EXPECT_EQ(net.weight(1)(0, 0), 16.0);
  EXPECT_EQ(net.bias(1)(1), 25.0);
}

TEST(Mlp, BadInputGivesClearErrors) {
  EXPECT_THROW(Mlp({2}, Activation::kSiLU), std::invalid_argument);
  EXPECT_THROW(Mlp({2, 0, 2}, Activation::kSiLU), std::invalid_argument);
  Mlp net({2, 4, 2}, Activation::kSiLU);
  RowMatrix x3(5, 3);
  x3.setZero();
  EXPECT_THROW(net.forward(x3), std::invalid_argument);
  RowMatrix r(5, 2);
  r.setZero();
  EXPECT_THROW(net.backward(r), std::logic_error);  // no forward yet
  RowMatrix x(4, 2);
  x.setZero();
  net.forward(x);
  EXPECT_THROW(net.backward(r), std::invalid_argument);  // 5 rows vs batch of 4
  EXPECT_THROW(activation_from_name("gelu"), std::invalid_argument);
  // An empty batch is allowed: empty output, zero parameter gradient (overwrite mode).
  Mlp fresh({2, 4, 2}, Activation::kTanh);
  Rng rng(1);
  fresh.initialize(rng);
  fresh.gradients().setOnes();
  RowMatrix empty(0, 2);
  EXPECT_EQ(fresh.forward(empty).rows(), 0);
  fresh.backward(empty);
  EXPECT_TRUE(fresh.gradients().isZero(0.0));
  EXPECT_EQ(activation_from_name("leaky_relu"), Activation::kLeakyReLU);
}

TEST(Mlp, ActivationsAreStableForLargeInputs) {
  for (Activation a : {Activation::kSiLU, Activation::kTanh, Activation::kReLU,
                       Activation::kLeakyReLU, Activation::kSoftplus, Activation::kTanhSiLU}) {
    Mlp net({1, 1, 1}, a);
    net.weight(0)(0, 0) = 1.0;
    net.weight(1)(0, 0) = 1.0;
    RowMatrix x(4, 1);
    x << -800.0, -40.0, 40.0, 800.0;
    const RowMatrix y = net.forward(x);
    EXPECT_TRUE(y.allFinite()) << activation_name(a);
    RowMatrix r = RowMatrix::Ones(4, 1), gx(4, 1);
    net.backward(r, gx);
    EXPECT_TRUE(gx.allFinite()) << activation_name(a);
    if (a == Activation::kSoftplus) {
      EXPECT_DOUBLE_EQ(y(3, 0), 800.0);
      EXPECT_NEAR(y(0, 0), 0.0, 1e-300);
    }
  }
}

// kTanhSiLU: in a hidden layer of width w the first ⌈w/2⌉ units are tanh, the rest SiLU. A 1 → 5
// → 5 network with W_1 = 𝟙 (every unit sees the input) and W_2 = I (the output is the hidden
// layer) shows the split per unit: units 0–2 tanh, 3–4 SiLU, for inputs of both signs.
TEST(Mlp, TanhSiluSplitsEachHiddenLayerByUnit) {
  Mlp net({1, 5, 5}, Activation::kTanhSiLU);
  net.weight(0).setOnes();
  net.weight(1).setIdentity();
  RowMatrix x(3, 1);
  x << -2.0, 0.3, 4.0;
  const RowMatrix y = net.forward(x);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const double v = x(i, 0), silu = v / (1.0 + std::exp(-v));
    for (int u = 0; u < 5; ++u)
      EXPECT_NEAR(y(i, u), u < 3 ? std::tanh(v) : silu, 1e-12) << "row " << i << " unit " << u;
  }
  EXPECT_EQ(activation_from_name("tanh_silu"), Activation::kTanhSiLU);
}

TEST(Mlp, SaveLoadRoundTripIsExact) {
  Rng rng(11);
  Mlp net({2, 7, 5, 3}, Activation::kLeakyReLU, 0.2);
  net.initialize(rng, {Init::kGlorotUniform, 0.5, 0.01});
  std::stringstream ss;
  net.save(ss);
  Mlp back = Mlp::load(ss);
  EXPECT_EQ(back.widths(), net.widths());
  EXPECT_EQ(back.activation(), net.activation());
  EXPECT_EQ(back.leaky_slope(), net.leaky_slope());
  EXPECT_EQ(back.parameters(), net.parameters());
  std::stringstream bad("SSMLP00");
  EXPECT_THROW(Mlp::load(bad), std::runtime_error);
  std::string bytes = ss.str();
  std::stringstream truncated(bytes.substr(0, bytes.size() - 3));
  EXPECT_THROW(Mlp::load(truncated), std::runtime_error);
}

}  // namespace
}  // namespace ss::nn

namespace ss::nn {
namespace {

// Batches above 128 rows are processed in column blocks, and parameter gradients summed over
// fixed groups of blocks: they must agree with the same rows pushed through in small batches
// (summation order differs, so agreement is to rounding: 1e-12 relative to the largest entry).
TEST(Mlp, MultiBlockBatchesMatchSmallBatches) {
  for (Eigen::Index n : {129, 300, 1000, 2000}) {
    Rng rng(31);
    Mlp net({2, 40, 150, 3}, Activation::kSiLU);  // width 150 > 128 exercises tiling too
    net.initialize(rng);
    const RowMatrix x = random_rows(rng, n, 2), r = random_rows(rng, n, 3);
    net.forward(x);
    RowMatrix gx(n, 2), vjp(n, 2), jac(n, 6);
    net.backward(r, gx);
    net.input_vjp(r, vjp);
    net.input_jacobians(jac);
    const Eigen::VectorXd big = net.gradients();
    const RowMatrix y = net.output();

    Mlp small = net;
    small.zero_gradients();
    RowMatrix gx_small(n, 2), jac_small(n, 6), y_small(n, 3);
    for (Eigen::Index i0 = 0; i0 < n; i0 += 100) {
      const Eigen::Index len = std::min<Eigen::Index>(100, n - i0);
      small.forward(x.middleRows(i0, len), y_small.middleRows(i0, len));
      small.backward(r.middleRows(i0, len), gx_small.middleRows(i0, len), GradMode::kAccumulate);
      small.input_jacobians(jac_small.middleRows(i0, len));
    }
    auto flat = [](const RowMatrix& m) {
      return Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(m.data(), m.size()));
    };
    EXPECT_LT(rel_err(big, small.gradients()), 1e-12) << n;
    EXPECT_LT(rel_err(flat(gx), flat(gx_small)), 1e-12) << n;
    EXPECT_LT(rel_err(flat(vjp), flat(gx_small)), 1e-12) << n;
    EXPECT_LT(rel_err(flat(jac), flat(jac_small)), 1e-12) << n;
    EXPECT_LT(rel_err(flat(y), flat(y_small)), 1e-12) << n;
  }
}

TEST(Mlp, LargeBatchParameterGradientMatchesFiniteDifferences) {
  Rng rng(12);
  Mlp net({2, 8, 8, 2}, Activation::kTanh);
  net.initialize(rng);
  const RowMatrix x = random_rows(rng, 777, 2), r = random_rows(rng, 777, 2);
  net.forward(x);
  net.backward(r);
  const Eigen::VectorXd analytic = net.gradients();
  Eigen::VectorXd fd(net.num_parameters());
  auto theta = net.parameters();
  for (Eigen::Index j = 0; j < theta.size(); ++j) {
    const double saved = theta(j), h = 1e-6 * std::max(1.0, std::abs(saved));
    theta(j) = saved + h;
    const double up = loss(net, x, r);
    theta(j) = saved - h;
    const double down = loss(net, x, r);
    theta(j) = saved;
    fd(j) = (up - down) / (2 * h);
  }
  EXPECT_LT(rel_err(analytic, fd), 1e-6);
}

TEST(Mlp, ThreadingDoesNotChangeResults) {
  Rng rng(2);
  Mlp a({2, 128, 128, 2}, Activation::kSiLU);
  a.initialize(rng);
  Mlp b = a;
  b.set_threading(false);
  const RowMatrix x = random_rows(rng, 1500, 2), r = random_rows(rng, 1500, 2);
  RowMatrix ga(1500, 2), gb(1500, 2);
  a.forward(x);
  a.backward(r, ga);
  b.forward(x);
  b.backward(r, gb);
  EXPECT_EQ(a.output(), b.output());
  EXPECT_EQ(a.gradients(), b.gradients());
  EXPECT_EQ(ga, gb);
}

}  // namespace
}  // namespace ss::nn
