// EnergyNet: ∇_x E and the parameter update of train_step against central finite differences,
// the sign of the update, allocation-free steps and the non-finite guard.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <cmath>

#include "core/ebm/energy.h"
#include "ebm_test_util.h"

namespace ss {
namespace {

Points random_points(int n, const Box& b, std::uint64_t seed) {
  Rng rng(seed);
  Points x(n, 2);
  for (int i = 0; i < n; ++i)
    x(i, 0) = rng.uniform(b.xmin, b.xmax), x(i, 1) = rng.uniform(b.ymin, b.ymax);
  return x;
}

class EnergyNetTest : public ::testing::TestWithParam<bool> {};

TEST_P(EnergyNetTest, InputGradientMatchesFiniteDifferences) {
  // Central differences with h = 1e-6 on a piecewise-linear network (+ the quadratic tilt): exact
  // up to rounding unless a LeakyReLU kink lies within h (probability ~1e-5 per point here).
  // Tolerance 1e-6 absolute + relative.
  const Box box{-3, 5, -2, 2};
  EnergyNet net;
  Rng rng(5);
  net.build(test_ebm::small_ebm(), box, rng);
  net.set_tilt(GetParam());
  const Points x = random_points(50, box.scaled(1.5), 9);
  Vec e;
  Points g;
  net.energy_and_grad(x, e, g);
  Vec e_only;
  net.energy(x, e_only);
  EXPECT_EQ((e - e_only).cwiseAbs().maxCoeff(), 0.0);
  const double h = 1e-6;
  for (int i = 0; i < 50; ++i)
    for (int d = 0; d < 2; ++d) {
      Points xp = x.row(i), xm = x.row(i);
      xp(0, d) += h;
      xm(0, d) -= h;
      Vec ep, em;
      net.energy(xp, ep);
      net.energy(xm, em);
      const double fd = (ep(0) - em(0)) / (2 * h);
      EXPECT_NEAR(g(i, d), fd, 1e-6 * (1 + std::abs(fd))) << "point " << i << " axis " << d;
    }
}

TEST_P(EnergyNetTest, SgdStepIsMinusLearningRateTimesTheObjectiveGradient) {
  // With SGD, θ_after = θ − γ g, so g = (θ − θ_after)/γ is the gradient train_step used. It must be
  // ∇_θ J of J(θ) = mean E(x⁺) − mean E(x⁻) + λ(mean E(x⁺)² + mean E(x⁻)²) (energy.h), checked by
  // central differences (h = 1e-6) on 40 parameters spread over every layer. Tolerance 1e-6 abs +
  // 1e-5 relative (a kink within h of a point would break it; none here).
  const Box box{-2, 2, -2, 2};
  EbmSettings s = test_ebm::small_ebm();
  s.optimizer = "sgd";
  s.learning_rate = 1e-3;
  s.l2 = 0.1;
  EnergyNet net;
  Rng rng(3);
  net.build(s, box, rng);
  net.set_tilt(GetParam());
  const Points pos = random_points(32, box, 1), neg = random_points(24, box, 2);
  auto objective = [&](EnergyNet& n) {
    Vec ep, en;
    n.energy(pos, ep);
    n.energy(neg, en);
    return ep.mean() - en.mean() +
           s.l2 * (ep.squaredNorm() / ep.size() + en.squaredNorm() / en.size());
  };
  const Vec theta = net.mlp().parameters();
  Vec ep, en;
  net.energy(pos, ep);
  net.energy(neg, en);
  const double loss = net.train_step(pos, neg);
  EXPECT_NEAR(loss, ep.mean() - en.mean(), 1e-12);
  EXPECT_NEAR(net.energy_data(), ep.mean(), 1e-12);
  const Vec g = (theta - Vec(net.mlp().parameters())) / s.learning_rate;
  net.mlp().parameters() = theta;
  const Eigen::Index p = theta.size();
  for (int k = 0; k < 40; ++k) {
    const Eigen::Index j = (k * 7919) % p;
    const double h = 1e-6;
    net.mlp().parameters()(j) = theta(j) + h;
    const double jp = objective(net);
    net.mlp().parameters()(j) = theta(j) - h;
    const double jm = objective(net);
    net.mlp().parameters()(j) = theta(j);
    const double fd = (jp - jm) / (2 * h);
    EXPECT_NEAR(g(j), fd, 1e-6 + 1e-5 * std::abs(fd)) << "parameter " << j;
  }
}

TEST_P(EnergyNetTest, SinglePrecisionEnergiesMatchDoubleOnes) {
  // energy_float (the metrics' path) against energy(): float rounding through 5 layers of width
  // ≤ 64 gives ~1e-6 relative; required 1e-4 × (1 + |E|). Thread-independent: same bits in an
  // arena of 1 and of 2 threads.
  EnergyNet net;
  Rng rng(12);
  net.build(EbmSettings{}, Box{-3, 3, -2, 4}, rng);
  net.set_tilt(GetParam());
  const Points x = random_points(3000, Box{-4, 4, -3, 5}, 6);
  Vec e, f1, f2;
  net.energy(x, e);
  tbb::task_arena(1).execute([&] { net.energy_float(x, f1); });
  tbb::task_arena(2).execute([&] { net.energy_float(x, f2); });
  EXPECT_TRUE(f1 == f2);
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    ASSERT_NEAR(f1(i), e(i), 1e-4 * (1 + std::abs(e(i)))) << i;
}

INSTANTIATE_TEST_SUITE_P(TiltOffOn, EnergyNetTest, ::testing::Bool());

TEST(EnergyNet, StepLowersEnergyOnDataAndRaisesItOnNegatives) {
  // The sign of energy.h: after one small SGD step the data's mean energy goes down and the
  // negatives' goes up (first order: ΔJ = −γ‖g‖² < 0 splits into these two parts for disjoint
  // far-apart batches).
  const Box box{-4, 4, -4, 4};
  EbmSettings s = test_ebm::small_ebm();
  s.optimizer = "sgd";
  s.learning_rate = 1e-3;
  EnergyNet net;
  Rng rng(8);
  net.build(s, box, rng);
  Points pos = random_points(64, Box{-3.5, -2.5, -3.5, -2.5}, 4);
  Points neg = random_points(64, Box{2.5, 3.5, 2.5, 3.5}, 5);
  Vec ep0, en0, ep1, en1;
  net.energy(pos, ep0);
  net.energy(neg, en0);
  for (int t = 0; t < 5; ++t) net.train_step(pos, neg);
  net.energy(pos, ep1);
  net.energy(neg, en1);
  EXPECT_LT(ep1.mean(), ep0.mean());
  EXPECT_GT(en1.mean(), en0.mean());
}

TEST(EnergyNet, NonFiniteInputsSkipTheStepAndReportFailure) {
  EnergyNet net;
  Rng rng(1);
  net.build(test_ebm::small_ebm(), Box{-1, 1, -1, 1}, rng);
  const Vec theta = net.mlp().parameters();
  Points pos = Points::Zero(8, 2), neg = Points::Zero(8, 2);
  neg(3, 0) = std::numeric_limits<double>::quiet_NaN();
  const double loss = net.train_step(pos, neg);
  EXPECT_TRUE(std::isnan(loss));
  EXPECT_NE(net.failure().find("non-finite"), std::string::npos);
  EXPECT_TRUE(Vec(net.mlp().parameters()) == theta) << "the step must be skipped";
}

}  // namespace
}  // namespace ss
