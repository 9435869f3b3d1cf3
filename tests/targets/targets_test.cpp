// Tests of the built-in targets (core/targets/builtin.{h,cpp}, core/targets/target.cpp):
// scores and Hessians against central finite differences (also far in the tails), closed forms of
// dft.md §7, view-box masses, evaluate() contract and make_target() errors.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "core/common/rng.h"
#include "core/targets/builtin.h"
#include "core/targets/grid_reference.h"
#include "core/targets/target.h"
#include "targets/make_target.h"

namespace ss {
namespace {

using testing::kPi;
using testing::make;

// Every built-in kind plus a user mixture with strongly correlated components.
std::vector<std::shared_ptr<const Target>> all_targets() {
  std::vector<std::shared_ptr<const Target>> out;
  for (const auto& kind : builtin_target_kinds()) out.push_back(make(kind));
  Mat2 a, b;
  a << 1.0, 0.9, 0.9, 1.0;
  b << 0.05, -0.01, -0.01, 0.3;
  TargetSpec spec;
  spec.kind = "gmm";
  spec.components = {{2.0, Vec2(1, -1), a}, {1.0, Vec2(-2, 0.5), b}};
  out.push_back(make_target(spec));
  out.push_back(make("rosenbrock", {{"a", -1.5}, {"b", 100}, {"temperature", 20}}));
  out.push_back(make("funnel", {{"v_scale", 1.0}}));
  out.push_back(make("rings", {{"rings", 2}, {"sigma", 0.3}}));
  return out;
}

// Test points: 300 uniform in the view box enlarged 1.5×, and 200 with ‖x‖ ∈ [5, 50] in random
// directions, including ‖x‖ = 50 exactly (fixed seed).
std::vector<Vec2> test_points(const Target& t, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<Vec2> pts;
  const Box b = t.view_box().scaled(1.5);
  for (int i = 0; i < 300; ++i)
    pts.emplace_back(rng.uniform(b.xmin, b.xmax), rng.uniform(b.ymin, b.ymax));
  for (int i = 0; i < 200; ++i) {
    const double r = i < 40 ? 50.0 : rng.uniform(5, 50), phi = rng.uniform(0, 2 * kPi);
    pts.emplace_back(r * std::cos(phi), r * std::sin(phi));
  }
  return pts;
}

// Central differences with step h = 1e-5. Their error is ≈ h²|f'''|/6 (≈ 2e-11 relative for these
// smooth targets) plus rounding ≈ ε|f|/h (f = the differenced function). The tolerance is
//   1e-6·max(1, |exact|) + 50·ε·max|f|/h,
// i.e. relative 1e-6 (far above the truncation error, far below any formula mistake) plus a
// rounding allowance that matters only in the tails where |log p̃| reaches 1e10.
constexpr double kStep = 1e-5;
double fd_tolerance(double exact, double f_scale) {
  return 1e-6 * std::max(1.0, std::abs(exact)) + 50 * 2.2e-16 * f_scale / kStep;
}

TEST(Targets, ScoreAndHessianMatchFiniteDifferencesIncludingFarTails) {
  for (const auto& t : all_targets()) {
    SCOPED_TRACE(t->kind() + " " + t->display_name());
    int checked = 0;
    for (const Vec2& p : test_points(*t, 7)) {
      const double x = p.x(), y = p.y();
      const Jet j = t->jet_at(x, y);
      ASSERT_TRUE(isfinite(j)) << "at (" << x << ", " << y << ")";
      ASSERT_NEAR(j.v, t->log_density_at(x, y), 1e-12 * std::max(1.0, std::abs(j.v)));
      const double fxp = t->log_density_at(x + kStep, y), fxm = t->log_density_at(x - kStep, y);
      const double fyp = t->log_density_at(x, y + kStep), fym = t->log_density_at(x, y - kStep);
      const double fscale = std::max({std::abs(fxp), std::abs(fxm), std::abs(fyp), std::abs(fym)});
      EXPECT_NEAR(j.gx, (fxp - fxm) / (2 * kStep), fd_tolerance(j.gx, fscale)) << x << ", " << y;
      EXPECT_NEAR(j.gy, (fyp - fym) / (2 * kStep), fd_tolerance(j.gy, fscale)) << x << ", " << y;
      // Hessian: central differences of the (already checked) score.
      const Jet xp = t->jet_at(x + kStep, y), xm = t->jet_at(x - kStep, y);
      const Jet yp = t->jet_at(x, y + kStep), ym = t->jet_at(x, y - kStep);
      const double gscale = std::max({std::abs(xp.gx), std::abs(xm.gx), std::abs(yp.gy),
                                      std::abs(ym.gy), std::abs(xp.gy), std::abs(yp.gx)});
      EXPECT_NEAR(j.hxx, (xp.gx - xm.gx) / (2 * kStep), fd_tolerance(j.hxx, gscale))
          << x << ", " << y;
      EXPECT_NEAR(j.hyy, (yp.gy - ym.gy) / (2 * kStep), fd_tolerance(j.hyy, gscale))
          << x << ", " << y;
      EXPECT_NEAR(j.hxy, (xp.gy - xm.gy) / (2 * kStep), fd_tolerance(j.hxy, gscale))
          << x << ", " << y;
      EXPECT_NEAR(j.hxy, (yp.gx - ym.gx) / (2 * kStep), fd_tolerance(j.hxy, gscale))
          << x << ", " << y;
      ++checked;
    }
    EXPECT_EQ(checked, 500);
  }
}

TEST(Targets, FiniteAtTheOriginAndAtNormFifty) {
  for (const auto& t : all_targets()) {
    SCOPED_TRACE(t->kind());
    for (const Vec2& p : {Vec2(0, 0), Vec2(1e-300, 0), Vec2(50, 0), Vec2(-50, 0), Vec2(0, 50),
                          Vec2(0, -50), Vec2(35.355, -35.355), Vec2(-35.355, 35.355)}) {
      EXPECT_TRUE(isfinite(t->jet_at(p.x(), p.y()))) << p.transpose();
      EXPECT_TRUE(std::isfinite(t->log_density_at(p.x(), p.y()))) << p.transpose();
    }
  }
}

// Closed forms of dft.md §7 (T1–T6) at a few points.
TEST(Targets, DonutMatchesClosedForm) {
  const auto t = make("donut");
  const double R = 2.6, s2 = 0.033;
  for (const Vec2& p : {Vec2(1.0, 2.0), Vec2(-2.5, 0.3), Vec2(0.1, -0.2)}) {
    const double r = p.norm();
    const Jet j = t->jet_at(p.x(), p.y());
    EXPECT_NEAR(j.v, -(r - R) * (r - R) / s2, 1e-12);
    const Vec2 s = (2 / s2) * (R / r - 1) * p;
    const Mat2 H =
        (2 / s2) * ((R / r - 1) * Mat2::Identity() - R * p * p.transpose() / (r * r * r));
    EXPECT_NEAR(j.gx, s.x(), 1e-9);
    EXPECT_NEAR(j.gy, s.y(), 1e-9);
    EXPECT_NEAR(j.hxx, H(0, 0), 1e-8);
    EXPECT_NEAR(j.hxy, H(0, 1), 1e-8);
    EXPECT_NEAR(j.hyy, H(1, 1), 1e-8);
  }
}

TEST(Targets, RosenbrockMatchesClosedForm) {
  const double a = 1, b = 20, T = 0.4;
  const auto t = make("rosenbrock");
  for (const Vec2& p : {Vec2(1.0, 1.0), Vec2(-0.3, 2.0), Vec2(2.0, 3.5)}) {
    const double x1 = p.x(), x2 = p.y();
    const Jet j = t->jet_at(x1, x2);
    EXPECT_NEAR(j.v, -((a - x1) * (a - x1) + b * (x2 - x1 * x1) * (x2 - x1 * x1)) / T, 1e-10);
    EXPECT_NEAR(j.gx, (2 * (a - x1) + 4 * b * x1 * (x2 - x1 * x1)) / T, 1e-9);
    EXPECT_NEAR(j.gy, -2 * b * (x2 - x1 * x1) / T, 1e-9);
    EXPECT_NEAR(j.hxx, (-2 + 4 * b * x2 - 12 * b * x1 * x1) / T, 1e-9);
    EXPECT_NEAR(j.hxy, 4 * b * x1 / T, 1e-9);
    EXPECT_NEAR(j.hyy, -2 * b / T, 1e-9);
  }
}

TEST(Targets, BananaMatchesClosedForm) {
  const double a = 2, b = 0.2;
  const auto t = make("banana");
  Mat2 sigma;
  sigma << 1, 0.5, 0.5, 1;
  const Mat2 P = sigma.inverse();
  for (const Vec2& p : {Vec2(0.5, -1.0), Vec2(-3.0, -2.0), Vec2(1.5, 0.7)}) {
    const double x1 = p.x();
    const Vec2 yv(x1 / a, a * p.y() + a * b * (x1 * x1 + a * a));
    const Vec2 d = yv - Vec2(0, 4);
    const Vec2 g = -P * d;
    Mat2 J;
    J << 1 / a, 0, 2 * a * b * x1, a;
    const Vec2 s = J.transpose() * g;
    Mat2 H = -J.transpose() * P * J;
    H(0, 0) += 2 * a * b * g(1);
    const Jet j = t->jet_at(p.x(), p.y());
    EXPECT_NEAR(j.v, -0.5 * d.dot(P * d) - std::log(2 * kPi) - 0.5 * std::log(sigma.determinant()),
                1e-10);
    EXPECT_NEAR(j.gx, s.x(), 1e-9);
    EXPECT_NEAR(j.gy, s.y(), 1e-9);
    EXPECT_NEAR(j.hxx, H(0, 0), 1e-9);
    EXPECT_NEAR(j.hxy, H(0, 1), 1e-9);
    EXPECT_NEAR(j.hyy, H(1, 1), 1e-9);
  }
}

TEST(Targets, FunnelMatchesClosedForm) {
  const auto t = make("funnel");
  for (const Vec2& p : {Vec2(0.5, 1.0), Vec2(-2.0, 4.0), Vec2(0.05, -3.0)}) {
    const double u = p.x(), v = p.y() - 2, e = std::exp(-v);
    const Jet j = t->jet_at(p.x(), p.y());
    EXPECT_NEAR(j.v, -v * v / 18 - u * u * e / 2 - v / 2, 1e-10);
    EXPECT_NEAR(j.gy, -v / 9 + u * u * e / 2 - 0.5, 1e-9);  // s_v
    EXPECT_NEAR(j.gx, -u * e, 1e-9);                        // s_u
    EXPECT_NEAR(j.hyy, -1.0 / 9 - u * u * e / 2, 1e-9);
    EXPECT_NEAR(j.hxy, u * e, 1e-9);
    EXPECT_NEAR(j.hxx, -e, 1e-9);
  }
}

TEST(Targets, SquiggleMatchesClosedForm) {
  const auto t = make("squiggle");
  Mat2 sigma;
  sigma << 2, 0.25, 0.25, 0.5;
  const Mat2 P = sigma.inverse();
  for (const Vec2& p : {Vec2(0.3, -0.2), Vec2(-1.2, 0.9), Vec2(2.0, 0.0)}) {
    const double x1 = p.x();
    const Vec2 yv(x1, p.y() + std::sin(5 * x1));
    const Vec2 g = -P * yv;
    Mat2 J;
    J << 1, 0, 5 * std::cos(5 * x1), 1;
    const Vec2 s = J.transpose() * g;
    Mat2 H = -J.transpose() * P * J;
    H(0, 0) -= 25 * std::sin(5 * x1) * g(1);
    const Jet j = t->jet_at(p.x(), p.y());
    EXPECT_NEAR(j.gx, s.x(), 1e-9);
    EXPECT_NEAR(j.gy, s.y(), 1e-9);
    EXPECT_NEAR(j.hxx, H(0, 0), 1e-9);
    EXPECT_NEAR(j.hxy, H(0, 1), 1e-9);
    EXPECT_NEAR(j.hyy, H(1, 1), 1e-9);
  }
}

TEST(Targets, MixtureMatchesResponsibilityFormula) {
  // dft.md §7 T5: s = Σ γ_k g_k, H = Σ γ_k(−Σ_k⁻¹ + g_k g_kᵀ) − s sᵀ, on gmm_3mode.
  const auto t = make("gmm_3mode");
  const auto comps = t->components();
  ASSERT_EQ(comps.size(), 3u);
  for (const Vec2& p : {Vec2(0.0, 0.0), Vec2(-1.8, 1.0), Vec2(3.0, -2.0)}) {
    std::vector<double> logw;
    double mx = -INFINITY;
    for (const auto& c : comps) {
      const Vec2 d = p - c.mean;
      logw.push_back(std::log(c.weight) - std::log(2 * kPi) - 0.5 * std::log(c.cov.determinant()) -
                     0.5 * d.dot(c.cov.inverse() * d));
      mx = std::max(mx, logw.back());
    }
    double z = 0;
    for (double l : logw) z += std::exp(l - mx);
    Vec2 s = Vec2::Zero();
    Mat2 H = Mat2::Zero();
    for (size_t k = 0; k < comps.size(); ++k) {
      const double gamma = std::exp(logw[k] - mx) / z;
      const Mat2 P = comps[k].cov.inverse();
      const Vec2 g = -P * (p - comps[k].mean);
      s += gamma * g;
      H += gamma * (-P + g * g.transpose());
    }
    H -= s * s.transpose();
    const Jet j = t->jet_at(p.x(), p.y());
    EXPECT_NEAR(j.v, mx + std::log(z), 1e-12);
    EXPECT_NEAR(j.gx, s.x(), 1e-10);
    EXPECT_NEAR(j.gy, s.y(), 1e-10);
    EXPECT_NEAR(j.hxx, H(0, 0), 1e-10);
    EXPECT_NEAR(j.hxy, H(0, 1), 1e-10);
    EXPECT_NEAR(j.hyy, H(1, 1), 1e-10);
  }
}

TEST(Targets, RingsIsTheExactCartesianDensity) {
  // p(x) = p_r(‖x‖)/(2π‖x‖) with p_r = ¼ Σ N(k, 0.15²).
  const auto t = make("rings");
  for (double r : {0.5, 1.0, 2.37, 4.1}) {
    double pr = 0;
    for (int k = 1; k <= 4; ++k)
      pr += 0.25 * std::exp(-0.5 * std::pow((r - k) / 0.15, 2)) / (0.15 * std::sqrt(2 * kPi));
    EXPECT_NEAR(t->log_density_at(r * std::cos(1.0), r * std::sin(1.0)),
                std::log(pr / (2 * kPi * r)), 1e-10);
  }
}

TEST(Targets, DualMoonHasItsPublishedFormula) {
  const auto t = make("dual_moon");
  const double x = 1.2, y = 1.6, r = std::hypot(x, y);
  auto lse = [](double a, double b) {
    return std::max(a, b) + std::log1p(std::exp(-std::abs(a - b)));
  };
  const double expected =
      -0.5 * std::pow((r - 2) / 0.1, 2) +
      lse(-0.5 * std::pow((x - 3) / 0.8, 2), -0.5 * std::pow((x + 3) / 0.8, 2)) +
      lse(-0.5 * std::pow((y - 3) / 0.6, 2), -0.5 * std::pow((y + 3) / 0.6, 2));
  EXPECT_NEAR(t->log_density_at(x, y), expected, 1e-12);
}

// Mass test: a GridReference on the view box scaled 3× with 1536² cells; 1536 = 3·512, so the
// view box is exactly the middle 512² cells. The narrowest features are resolved: the finest is
// rings' σ = 0.15 against cells of 3·9.2/1536 = 0.018 (donut radial std 0.128 vs 0.012; rosenbrock
// x₂-std 0.1 vs 0.015; dual moon 0.1 vs 0.010). The funnel's neck cannot be resolved by any
// uniform grid; GridReference integrates those cells on sub-grids (see grid_reference.h), and the
// funnel's box is also checked by 1-D quadrature (FunnelBoxHoldsMass).
// (Slow: ~35 M density evaluations plus basin finding; a few seconds in Release.)
TEST(TargetsSlow, ViewBoxesHoldAtLeast999PerMilleOfTheMass) {
  for (const auto& t : all_targets()) {
    SCOPED_TRACE(t->kind() + " " + t->display_name());
    const Box view = t->view_box();
    const Box big = view.scaled(3);
    const int res = 1536;
    const auto ref = GridReference::compute(t, res, &big);
    double inside = 0;
    for (int iy = res / 3; iy < 2 * res / 3; ++iy)
      for (int ix = res / 3; ix < 2 * res / 3; ++ix) inside += ref->cell_masses()[iy * res + ix];
    EXPECT_GE(inside, 0.999);
    EXPECT_LE(inside, 1.0 + 1e-12);
  }
}

TEST(Targets, FunnelBoxHoldsMass) {
  // P(box) = ∫ N(v; 0, σᵥ²)·1[v ∈ box]·(1 − P(|u| > c | v)) dv by the midpoint rule (20000 nodes).
  for (double sv : {3.0, 1.0, 0.25}) {
    const auto t = make("funnel", {{"v_scale", sv}});
    const Box b = t->view_box();
    const double c = b.xmax;
    const int n = 20000;
    const double lo = b.ymin - 2, hi = b.ymax - 2, h = (hi - lo) / n;
    double p = 0;
    for (int i = 0; i < n; ++i) {
      const double v = lo + (i + 0.5) * h;
      p += std::exp(-0.5 * v * v / (sv * sv)) / (sv * std::sqrt(2 * kPi)) *
           std::erf(c * std::exp(-0.5 * v) / std::sqrt(2.0)) * h;
    }
    EXPECT_GE(p, 0.999) << "v_scale " << sv;
    EXPECT_LE(p, 0.9995) << "box not much larger than needed, v_scale " << sv;
  }
  EXPECT_NEAR(FunnelTarget::x1_tail_probability(100, 3.0), 1.0857e-3, 1e-6);
}

TEST(Targets, RosenbrockBoxIsAtMost25TimesAsTallAsWide) {
  const Box b = make("rosenbrock")->view_box();
  EXPECT_LE(b.height() / b.width(), 2.5);
  EXPECT_GE(b.height() / b.width(), 1.0);  // it is still a banana, not a blob
}

TEST(Targets, MixturesExposeNormalizedComponents) {
  for (const std::string kind : {"gmm_2to1", "gmm_8ring", "gmm_4line", "gmm_3mode", "gmm"}) {
    const auto c = make(kind)->components();
    ASSERT_FALSE(c.empty()) << kind;
    double sum = 0;
    for (const auto& g : c) sum += g.weight;
    EXPECT_NEAR(sum, 1.0, 1e-14) << kind;
  }
  const auto line = make("gmm_4line")->components();
  ASSERT_EQ(line.size(), 4u);
  EXPECT_DOUBLE_EQ(line[3].weight, 0.4);
  EXPECT_EQ(line[3].mean, Vec2(3, 0));
  EXPECT_EQ(make("gmm_8ring")->components().size(), 8u);
  EXPECT_TRUE(make("donut")->components().empty());
}

TEST(Targets, EveryKindHasItsMetadataAndRoundTripsThroughItsSpec) {
  for (const auto& kind : builtin_target_kinds()) {
    const auto t = make(kind);
    EXPECT_EQ(t->kind(), kind);
    EXPECT_FALSE(t->display_name().empty());
    // The registry's title (what the UI lists without building the target) is the target's own.
    EXPECT_EQ(target_display_name(kind), t->display_name()) << kind;
    const Box b = t->view_box();
    EXPECT_LT(b.xmin, b.xmax);
    EXPECT_LT(b.ymin, b.ymax);
    ASSERT_EQ(t->param_table().size(), target_param_table(kind).size());
    for (size_t i = 0; i < t->param_table().size(); ++i)
      EXPECT_EQ(t->param_table()[i].name, target_param_table(kind)[i].name);
    for (const auto& def : t->param_table()) {
      EXPECT_LE(def.min, def.default_value) << kind << "." << def.name;
      EXPECT_GE(def.max, def.default_value) << kind << "." << def.name;
      EXPECT_EQ(t->params().at(def.name), def.default_value) << kind << "." << def.name;
    }
    const auto again = make_target(t->spec());
    EXPECT_EQ(again->kind(), kind);
    EXPECT_EQ(again->log_density_at(0.3, -0.7), t->log_density_at(0.3, -0.7)) << kind;
  }
  EXPECT_EQ(target_display_name("formula"), "Formula");
  EXPECT_THROW(target_display_name("no_such_target"), ParamError);
  const auto d = make("donut", {{"radius", 3.0}});
  EXPECT_EQ(d->params().at("radius"), 3.0);
  EXPECT_EQ(make_target(d->spec())->log_density_at(3, 0), 0.0);
}

TEST(Targets, EvaluateFillsEveryOutputAndSkipsNullOnes) {
  const auto t = make("gmm_3mode");
  for (int n : {0, 1, 100, 3000}) {
    Points x(n, 2);
    Rng rng(3);
    for (int i = 0; i < n; ++i) x(i, 0) = rng.uniform(-4, 4), x(i, 1) = rng.uniform(-4, 4);
    Vec lp;
    Points score(5, 2);
    Hessians hess;
    t->evaluate(x, &lp, &score, &hess);
    ASSERT_EQ(lp.size(), n);
    ASSERT_EQ(score.rows(), n);
    ASSERT_EQ(hess.rows(), n);
    for (int i = 0; i < n; ++i) {
      const Jet j = t->jet_at(x(i, 0), x(i, 1));
      EXPECT_EQ(lp(i), j.v);
      EXPECT_EQ(score(i, 0), j.gx);
      EXPECT_EQ(score(i, 1), j.gy);
      EXPECT_EQ(hess(i, 0), j.hxx);
      EXPECT_EQ(hess(i, 1), j.hxy);
      EXPECT_EQ(hess(i, 2), j.hyy);
    }
    // Only the log density; only the score.
    // (The log-density-only path uses the double instantiation: equal up to rounding.)
    Vec lp2;
    t->evaluate(x, &lp2, nullptr, nullptr);
    ASSERT_EQ(lp2.size(), n);
    for (int i = 0; i < n; ++i) EXPECT_NEAR(lp2(i), lp(i), 1e-12 * std::max(1.0, std::abs(lp(i))));
    Points score2;
    t->evaluate(x, nullptr, &score2, nullptr);
    EXPECT_EQ(score2, score);
    // No outputs: a no-op that does not touch x.
    const Points copy = x;
    t->evaluate(x, nullptr, nullptr, nullptr);
    EXPECT_EQ(x, copy);
  }
}

template <class F>
std::string param_error_field(F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const ParamError& e) {
    if (message) *message = e.what();
    return e.field;
  }
  return "<no ParamError>";
}

TEST(Targets, MakeTargetRejectsBadInputWithClearErrors) {
  std::string msg;
  EXPECT_EQ(param_error_field([] { make("doughnut"); }, &msg), "kind");
  EXPECT_NE(msg.find("doughnut"), std::string::npos) << msg;
  EXPECT_NE(msg.find("donut"), std::string::npos) << msg;  // lists the known kinds
  EXPECT_EQ(param_error_field([] { make("gmm_5star"); }), "kind");
  EXPECT_EQ(param_error_field([] { make("donut", {{"radius", -1}}); }, &msg), "radius");
  EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
  EXPECT_EQ(param_error_field([] { make("donut", {{"radius", NAN}}); }), "radius");
  EXPECT_EQ(param_error_field([] { make("donut", {{"radiu", 2}}); }), "radiu");
  EXPECT_EQ(param_error_field([] { make("rings", {{"rings", 2.5}}); }), "rings");
  EXPECT_EQ(param_error_field([] { make("dual_moon", {{"radius", 2}}); }, &msg), "radius");
  EXPECT_NE(msg.find("no parameters"), std::string::npos) << msg;
  EXPECT_EQ(param_error_field([] { make("gmm_2to1", {{"w", 2}}); }), "w");
  EXPECT_EQ(param_error_field([] { target_param_table("nope"); }), "kind");

  auto gmm = [](std::vector<GaussianComponent> c) {
    TargetSpec s;
    s.kind = "gmm";
    s.components = std::move(c);
    return make_target(s);
  };
  const Mat2 I = Mat2::Identity();
  EXPECT_EQ(param_error_field([&] { gmm({{0.0, Vec2(0, 0), I}}); }, &msg), "components[0].weight");
  EXPECT_NE(msg.find("> 0"), std::string::npos) << msg;
  EXPECT_EQ(param_error_field([&] {
              gmm({{1, Vec2(0, 0), I}, {-1, Vec2(1, 0), I}});
            }),
            "components[1].weight");
  EXPECT_EQ(param_error_field([&] { gmm({{1, Vec2(NAN, 0), I}}); }), "components[0].mean");
  Mat2 not_pd, not_sym, neg;
  not_pd << 1, 2, 2, 1;
  not_sym << 1, 0.1, 0.2, 1;
  neg << -1, 0, 0, -1;
  EXPECT_EQ(param_error_field([&] { gmm({{1, Vec2(0, 0), not_pd}}); }, &msg), "components[0].cov");
  EXPECT_NE(msg.find("positive definite"), std::string::npos) << msg;
  EXPECT_EQ(param_error_field([&] { gmm({{1, Vec2(0, 0), neg}}); }), "components[0].cov");
  EXPECT_EQ(param_error_field([&] { gmm({{1, Vec2(0, 0), not_sym}}); }, &msg), "components[0].cov");
  EXPECT_NE(msg.find("symmetric"), std::string::npos) << msg;
  EXPECT_EQ(param_error_field([&] { GaussianMixtureTarget({}); }, &msg), "components");
  EXPECT_NE(msg.find("at least one"), std::string::npos) << msg;

  TargetSpec with_components;
  with_components.kind = "donut";
  with_components.components = {{1, Vec2(0, 0), I}};
  EXPECT_EQ(param_error_field([&] { make_target(with_components); }), "components");
  TargetSpec with_formula;
  with_formula.kind = "banana";
  with_formula.log_density = "-x*x";
  EXPECT_EQ(param_error_field([&] { make_target(with_formula); }), "log_density");
}

TEST(Targets, MakeTargetBuildsFormulaTargets) {
  TargetSpec s;
  s.kind = "formula";
  s.log_density = "-(x*x + y*y)/2";
  s.box = {-5, 5, -5, 5};
  const auto t = make_target(s);
  EXPECT_EQ(t->kind(), "formula");
  EXPECT_DOUBLE_EQ(t->log_density_at(1, 2), -2.5);
  s.log_density = "-(x*x + ";
  EXPECT_EQ(param_error_field([&] { make_target(s); }), "log_density");
  s.log_density = "-x*x";
  s.params = {{"radius", 1}};
  EXPECT_EQ(param_error_field([&] { make_target(s); }), "radius");
}

TEST(Targets, GmmWeightsAreNormalized) {
  TargetSpec s;
  s.kind = "gmm";
  s.components = {{3, Vec2(-5, 0), Mat2::Identity()}, {1, Vec2(5, 0), Mat2::Identity()}};
  const auto t = make_target(s);
  EXPECT_NEAR(t->components()[0].weight, 0.75, 1e-15);
  // At the first mean the density is ≈ 0.75 / (2π) (the other component is e^{−50} away).
  EXPECT_NEAR(t->log_density_at(-5, 0), std::log(0.75 / (2 * kPi)), 1e-12);
  EXPECT_EQ(make_target(t->spec())->components().size(), 2u);
}

}  // namespace
}  // namespace ss
