// Tests of GridReference (core/targets/grid_reference.cpp): normalizer, moments, sampling, mode
// regions and errors.
#include "core/targets/grid_reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "core/common/rng.h"
#include "core/targets/builtin.h"
#include "targets/make_target.h"

namespace ss {
namespace {

using testing::kPi;
using testing::make;

// A target shifted by a constant: log p̃ = log p + offset, so Z = e^offset · (mass in the box).
class ShiftedTarget final : public Target {
 public:
  ShiftedTarget(std::shared_ptr<const Target> base, double offset, Box box)
      : base_(std::move(base)), offset_(offset), box_(box) {}
  std::string kind() const override { return "shifted"; }
  std::string display_name() const override { return "shifted"; }
  Box view_box() const override { return box_; }
  TargetSpec spec() const override { return {"shifted"}; }
  double log_density_at(double x, double y) const override {
    return base_->log_density_at(x, y) + offset_;
  }
  Jet jet_at(double x, double y) const override { return base_->jet_at(x, y) + Jet(offset_); }

 private:
  std::shared_ptr<const Target> base_;
  double offset_;
  Box box_;
};

// A function target for the error tests.
template <class F>
class LambdaTarget final : public Target {
 public:
  explicit LambdaTarget(F f) : f_(f) {}
  std::string kind() const override { return "lambda"; }
  std::string display_name() const override { return "lambda"; }
  Box view_box() const override { return {-1, 1, -1, 1}; }
  TargetSpec spec() const override { return {"lambda"}; }
  double log_density_at(double x, double y) const override { return f_(x, y); }
  Jet jet_at(double x, double y) const override { return Jet(f_(x, y)); }

 private:
  F f_;
};
template <class F>
std::shared_ptr<const Target> lambda_target(F f) {
  return std::make_shared<LambdaTarget<F>>(f);
}

std::shared_ptr<const Target> gaussian(const Vec2& mean, const Mat2& cov) {
  TargetSpec s;
  s.kind = "gmm";
  s.components = {{1.0, mean, cov}};
  return make_target(s);
}

TEST(GridReference, LogZOfAnUnnormalizedGaussianMatchesClosedForm) {
  // log p̃ = log N(x; μ, Σ) + 4.2 on a box of ±8 standard deviations: log Z = 4.2 up to the mass
  // outside the box (< 1e-14) and the midpoint-rule error (spectrally small for a Gaussian with
  // ≥ 30 cells per standard deviation). Required: 1e-3 relative; we also check 1e-8 absolute.
  Mat2 cov;
  cov << 0.5, 0.3, 0.3, 0.8;
  const auto g = gaussian(Vec2(0.4, -0.3), cov);
  const Box box{0.4 - 8 * std::sqrt(0.5), 0.4 + 8 * std::sqrt(0.5), -0.3 - 8 * std::sqrt(0.8),
                -0.3 + 8 * std::sqrt(0.8)};
  const auto ref = GridReference::compute(std::make_shared<ShiftedTarget>(g, 4.2, box), 512);
  EXPECT_NEAR(ref->log_z(), 4.2, 1e-3 * 4.2);
  EXPECT_NEAR(ref->log_z(), 4.2, 1e-8);
}

TEST(GridReference, LogZOfAGmmMatchesClosedForm) {
  // gmm_3mode (normalized) shifted by −3.5 on its view box scaled 2× (mass outside < 1e-9).
  const auto t = make("gmm_3mode");
  const auto ref = GridReference::compute(
      std::make_shared<ShiftedTarget>(t, -3.5, t->view_box().scaled(2.0)), 512);
  EXPECT_NEAR(ref->log_z(), -3.5, 1e-3 * 3.5);
  EXPECT_NEAR(ref->log_z(), -3.5, 1e-7);
}

TEST(GridReference, SubCellIntegrationRecoversFeaturesNarrowerThanACell) {
  // A Gaussian with σ = 0.01 on [−1, 1]² with 64² cells (cell = 0.031 = 3σ), off-centre so no
  // cell centre sits on the mode: the midpoint rule alone is far off; the sub-grid is exact.
  Mat2 cov = 1e-4 * Mat2::Identity();
  const auto g = gaussian(Vec2(0.0123, -0.0071), cov);
  const Box box{-1, 1, -1, 1};
  const auto ref = GridReference::compute(std::make_shared<ShiftedTarget>(g, 2.0, box), 64);
  EXPECT_NEAR(ref->log_z(), 2.0, 1e-6);
  Rng rng(5);
  Points s;
  ref->sample(20000, rng, s);
  // Sample std within 3 % of 0.01 (SE of a std from 2e4 draws ≈ 0.5 %; the sub-cell jitter adds
  // (spacing/σ)²/24 ≤ 1 %).
  const Vec2 m = s.colwise().mean().transpose();
  const double sx = std::sqrt((s.col(0).array() - m.x()).square().mean());
  EXPECT_NEAR(sx, 0.01, 3e-4);
  EXPECT_NEAR(m.x(), 0.0123, 3e-4);
}

TEST(GridReference, FunnelNeckIsIntegratedAndSampled) {
  // Neal's funnel (σᵥ = 3) is normalized: Z = 2π·3 times the mass inside the view box (1-D
  // quadrature as in targets_test). Its neck is ~100× narrower than a cell at 512².
  const auto t = make("funnel");
  const Box b = t->view_box();
  double inside = 0;
  const int n = 20000;
  const double lo = b.ymin - 2, hi = b.ymax - 2, h = (hi - lo) / n;
  for (int i = 0; i < n; ++i) {
    const double v = lo + (i + 0.5) * h;
    inside += std::exp(-v * v / 18) / (3 * std::sqrt(2 * kPi)) *
              std::erf(b.xmax * std::exp(-0.5 * v) / std::sqrt(2.0)) * h;
  }
  const auto ref = GridReference::compute(t, 512);
  EXPECT_NEAR(ref->log_z(), std::log(2 * kPi * 3 * inside), 1e-4);
  // Samples: z = x₁·e^{−v/2} is standard normal given v; check E[z²] in the neck (v < −2, a
  // quarter of the mass: ≈ 25 000 draws, SE of E[z²] ≈ 0.009) within 0.05.
  Rng rng(11);
  Points s;
  ref->sample(100000, rng, s);
  double z2 = 0;
  int count = 0;
  for (int i = 0; i < s.rows(); ++i) {
    const double v = s(i, 1) - 2;
    if (v >= -2) continue;
    const double z = s(i, 0) * std::exp(-0.5 * v);
    z2 += z * z;
    ++count;
  }
  ASSERT_GT(count, 20000);
  EXPECT_NEAR(z2 / count, 1.0, 0.05);
}

TEST(GridReference, MassesMarginalsAndMomentsAreConsistent) {
  Mat2 cov;
  cov << 1.0, -0.6, -0.6, 0.7;
  const Vec2 mean(1.0, -0.5);
  const auto g = gaussian(mean, cov);
  const auto ref = GridReference::compute(g, 512, nullptr);
  ASSERT_EQ(ref->nx(), 512);
  ASSERT_EQ(ref->cell_masses().size(), 512u * 512u);
  double total = 0;
  for (double m : ref->cell_masses()) total += m;
  EXPECT_NEAR(total, 1.0, 1e-12);
  double mx = 0, my = 0;
  for (double v : ref->marginal_x()) mx += v * ref->cell_width();
  for (double v : ref->marginal_y()) my += v * ref->cell_height();
  EXPECT_NEAR(mx, 1.0, 1e-12);
  EXPECT_NEAR(my, 1.0, 1e-12);
  // The view box holds ≥ 99.9 % (it truncates a little), so the gridded moments are those of a
  // slightly truncated Gaussian: within 1 % of the true ones.
  EXPECT_NEAR(ref->mean().x(), mean.x(), 0.01);
  EXPECT_NEAR(ref->mean().y(), mean.y(), 0.01);
  EXPECT_NEAR(ref->covariance()(0, 0), cov(0, 0), 0.01 * cov(0, 0) + 0.01);
  EXPECT_NEAR(ref->covariance()(0, 1), cov(0, 1), 0.01);
  EXPECT_NEAR(ref->covariance()(1, 1), cov(1, 1), 0.01 * cov(1, 1) + 0.01);
  // The grid holds the log density at the cell centres.
  const int i = 200 * 512 + 300;
  const double x = ref->box().xmin + 300.5 * ref->cell_width();
  const double y = ref->box().ymin + 200.5 * ref->cell_height();
  EXPECT_DOUBLE_EQ(ref->log_density_grid()[i], g->log_density_at(x, y));
}

TEST(GridReference, SamplesOfAGaussianHaveItsMeanAndCovariance) {
  // 1e5 reference samples; the tolerance is 3 standard errors: SE(mean_i) = √(Σ_ii/n),
  // SE(cov_ij) = √((Σ_ii Σ_jj + Σ_ij²)/n). The box holds ±8σ so truncation is negligible.
  Mat2 cov;
  cov << 0.8, 0.35, 0.35, 0.5;
  const Vec2 mean(-0.7, 1.1);
  const auto g = gaussian(mean, cov);
  const Box box{mean.x() - 8 * std::sqrt(0.8), mean.x() + 8 * std::sqrt(0.8),
                mean.y() - 8 * std::sqrt(0.5), mean.y() + 8 * std::sqrt(0.5)};
  const auto ref = GridReference::compute(g, 512, &box);
  Rng rng(2024);
  Points s;
  const int n = 100000;
  ref->sample(n, rng, s);
  ASSERT_EQ(s.rows(), n);
  const Vec2 m = s.colwise().mean().transpose();
  Mat2 c = Mat2::Zero();
  for (int i = 0; i < n; ++i) {
    const Vec2 d = s.row(i).transpose() - m;
    c += d * d.transpose();
  }
  c /= n - 1;
  for (int a = 0; a < 2; ++a) {
    EXPECT_NEAR(m(a), mean(a), 3 * std::sqrt(cov(a, a) / n)) << a;
    for (int b = 0; b < 2; ++b)
      EXPECT_NEAR(c(a, b), cov(a, b),
                  3 * std::sqrt((cov(a, a) * cov(b, b) + cov(a, b) * cov(a, b)) / n))
          << a << b;
  }
  // Samples lie in the box; the same seed gives the same samples.
  for (int i = 0; i < n; ++i) ASSERT_TRUE(box.contains(s(i, 0), s(i, 1)));
  Rng rng2(2024);
  Points s2;
  ref->sample(n, rng2, s2);
  EXPECT_EQ(s, s2);
}

TEST(GridReference, Gmm2to1RegionsCarryOneThirdAndTwoThirds) {
  const auto ref = GridReference::compute(make("gmm_2to1"));
  ASSERT_EQ(ref->regions().size(), 2u);
  EXPECT_NEAR(ref->regions()[0].true_mass, 1.0 / 3, 1e-3);
  EXPECT_NEAR(ref->regions()[1].true_mass, 2.0 / 3, 1e-3);
  EXPECT_EQ(ref->regions()[0].center, Vec2(-1.5, -1.5));
  EXPECT_EQ(ref->regions()[1].label, "mode 2 (w=0.67)");
  EXPECT_EQ(ref->region_of(-1.4, -1.6), 0);
  EXPECT_EQ(ref->region_of(1.4, 1.6), 1);
  // Outside the box region_of is still exact: far away the wider component (variance 0.1 against
  // 0.05) is the most responsible one, even on the narrow component's side.
  EXPECT_EQ(ref->region_of(-40, -40), 1);
  EXPECT_EQ(ref->region_of(-2.5, -2.5), 0);
}

TEST(GridReference, Gmm4LineRegionsCarryTheirWeights) {
  const auto ref = GridReference::compute(make("gmm_4line"));
  ASSERT_EQ(ref->regions().size(), 4u);
  const double w[] = {0.1, 0.2, 0.3, 0.4};
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(ref->regions()[k].true_mass, w[k], 1e-3) << k;
}

TEST(GridReference, MixtureRegionOfAgreesWithTheRegionGrid) {
  const auto ref = GridReference::compute(make("gmm_3mode"), 128);
  const Box& b = ref->box();
  for (int iy = 0; iy < 128; iy += 7)
    for (int ix = 0; ix < 128; ix += 5) {
      const double x = b.xmin + (ix + 0.5) * ref->cell_width(),
                   y = b.ymin + (iy + 0.5) * ref->cell_height();
      EXPECT_EQ(ref->region_of(x, y), ref->region_grid()[iy * 128 + ix]);
    }
  double sum = 0;
  for (const auto& r : ref->regions()) sum += r.true_mass;
  EXPECT_NEAR(sum, 1.0, 1e-12);
}

TEST(GridReference, DualMoonHasFourBasinsOfEqualMass) {
  const auto ref = GridReference::compute(make("dual_moon"));
  ASSERT_EQ(ref->regions().size(), 4u);
  double sum = 0;
  for (const auto& r : ref->regions()) {
    // The density is symmetric under x → −x and y → −y, so the four modes carry ¼ each (up to
    // the grid's resolution of the basin borders).
    EXPECT_NEAR(r.true_mass, 0.25, 0.01) << r.label;
    EXPECT_NEAR(r.center.norm(), 2.05, 0.05) << r.label;
    EXPECT_NEAR(std::abs(std::atan2(std::abs(r.center.y()), std::abs(r.center.x()))) * 180 / kPi,
                53.7, 2.0);
    sum += r.true_mass;
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
  // region_of is consistent with the grid and the modes are told apart.
  EXPECT_NE(ref->region_of(1.2, 1.6), ref->region_of(-1.2, 1.6));
  EXPECT_NE(ref->region_of(1.2, 1.6), ref->region_of(1.2, -1.6));
}

TEST(GridReference, UnimodalTargetsHaveOneBasin) {
  for (const std::string kind : {"donut", "banana", "rosenbrock", "squiggle"}) {
    const auto ref = GridReference::compute(make(kind));
    ASSERT_EQ(ref->regions().size(), 1u) << kind;
    EXPECT_NEAR(ref->regions()[0].true_mass, 1.0, 1e-12) << kind;
    EXPECT_EQ(ref->region_of(0.1, 0.1), 0);
    EXPECT_EQ(ref->region_of(1e6, -1e6), 0);   // clamped to the nearest cell
    EXPECT_EQ(ref->region_of(1e300, NAN), 0);  // never undefined behaviour
  }
}

TEST(GridReference, RingsHaveOneBasinPerRing) {
  const auto ref = GridReference::compute(make("rings"));
  ASSERT_EQ(ref->regions().size(), 4u);
  // Ring k carries ¼ of the radial mass; the basins split at the radial minima between rings
  // (r ≈ k + ½), where little mass lies, so each basin holds ≈ ¼.
  for (const auto& r : ref->regions()) EXPECT_NEAR(r.true_mass, 0.25, 0.01) << r.label;
  for (int k = 1; k <= 4; ++k) {
    const int id = ref->region_of(k * std::cos(0.3), k * std::sin(0.3));
    EXPECT_NEAR(ref->regions()[id].center.norm(), k, 0.1) << k;
  }
}

TEST(GridReference, SmallAndShallowBasinsAreMerged) {
  // Non-mixture targets (no components) get steepest-ascent basins. Two bumps of σ = 0.1:
  auto two_bumps = [](double w_small, double separation) {
    return lambda_target([=](double x, double y) {
      const double a = -((x + 0.4) * (x + 0.4) + y * y) / (2 * 0.01);
      const double b = -((x - separation + 0.4) * (x - separation + 0.4) + y * y) / (2 * 0.01);
      return std::log((1 - w_small) * std::exp(a) + w_small * std::exp(b));
    });
  };
  // Well separated, equal: two regions of ½.
  auto r1 = GridReference::compute(two_bumps(0.5, 0.8), 256);
  ASSERT_EQ(r1->regions().size(), 2u);
  EXPECT_NEAR(r1->regions()[0].true_mass, 0.5, 1e-6);
  // Well separated but the small bump holds 0.3 % (< 0.5 %): merged into the big one.
  auto r2 = GridReference::compute(two_bumps(0.003, 0.8), 256);
  ASSERT_EQ(r2->regions().size(), 1u);
  EXPECT_NEAR(r2->regions()[0].true_mass, 1.0, 1e-12);
  EXPECT_NEAR(r2->regions()[0].center.x(), -0.4, 0.01);
  // Equal bumps 2.4σ apart: two maxima with a barrier of ≈ 0.09 nats (< 0.5): one region.
  auto r3 = GridReference::compute(two_bumps(0.5, 0.24), 256);
  ASSERT_EQ(r3->regions().size(), 1u);
  // 3.4σ apart: barrier ≈ 0.75 nats: two regions.
  auto r4 = GridReference::compute(two_bumps(0.5, 0.34), 256);
  EXPECT_EQ(r4->regions().size(), 2u);
}

TEST(GridReference, ThrowsWhenTheNormalizerIsNotFinite) {
  auto expect_message = [](std::shared_ptr<const Target> t, const std::string& part) {
    try {
      GridReference::compute(t, 16);
      ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expect_message(lambda_target([](double x, double y) { return x > 0.5 ? NAN : -x * x; }), "NaN");
  expect_message(lambda_target([](double x, double y) { return x > 0.5 ? INFINITY : 0.0; }),
                 "+inf");
  expect_message(lambda_target([](double, double) { return -INFINITY; }), "zero");
  // Overflowing normalizer: log p̃ = 1e308 everywhere is finite per cell but e^{…}·area is not
  // representable only through log Z: log Z = 1e308 + log(area) is finite, so this is accepted.
  EXPECT_NO_THROW(GridReference::compute(lambda_target([](double, double) { return 700.0; }), 16));
  EXPECT_THROW(GridReference::compute(make("donut"), 1), std::invalid_argument);
  const Box bad{1, -1, 0, 1};
  EXPECT_THROW(GridReference::compute(make("donut"), 16, &bad), std::invalid_argument);
}

TEST(GridReference, ComputesForEveryBuiltinTarget) {
  for (const auto& kind : builtin_target_kinds()) {
    const auto ref = GridReference::compute(make(kind));
    EXPECT_TRUE(std::isfinite(ref->log_z())) << kind;
    EXPECT_FALSE(ref->regions().empty()) << kind;
    double sum = 0;
    for (const auto& r : ref->regions()) sum += r.true_mass;
    EXPECT_NEAR(sum, 1.0, 1e-9) << kind;
  }
}

}  // namespace
}  // namespace ss

namespace ss {
namespace {

// A stop requested (core/common/interrupt.h) makes the computation throw Interrupted after its
// first pass instead of returning a reference; with no request the same call succeeds.
TEST(GridReference, InterruptedComputationThrowsInterrupted) {
  const auto target = make_target({"donut"});
  Interrupt stop;
  EXPECT_NE(GridReference::compute(target, 64, nullptr, &stop), nullptr);
  stop.request();
  EXPECT_THROW(GridReference::compute(target, 64, nullptr, &stop), Interrupted);
}

}  // namespace
}  // namespace ss
