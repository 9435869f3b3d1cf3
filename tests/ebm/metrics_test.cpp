// Exact EBM metrics (energy.h) against closed forms: the energies of known functions are fed to
// ebm_metrics_from_energies on the problem's grid.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "core/ebm/energy.h"
#include "ebm_test_util.h"

namespace ss {
namespace {

using test_ebm::gaussian;
using test_ebm::gmm;

// Energy of N(m, s²I) (unnormalized: the constant cancels) at every row of x.
std::vector<double> gaussian_energy(const Points& x, const Vec2& m, double s) {
  std::vector<double> e(x.rows());
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    e[i] = 0.5 * (x.row(i).transpose() - m).squaredNorm() / (s * s) + 3.7;
  return e;
}

Vec to_vec(const std::vector<double>& v) {
  return Eigen::Map<const Vec>(v.data(), v.size());
}

TEST(EbmMetrics, GaussianModelAgainstGaussianTruthMatchesClosedForms) {
  // Truth N(0, I) on its view box (±3.6); model N(m, s²I) with m = (0.3, −0.2), s = 0.8. Closed
  // forms (2-D, whole plane):
  //   KL(N(0,I) ‖ N(m, s²I)) = 2 log s + (2 + ‖m‖²)/(2s²) − 1,
  //   nll of a point x under the model = log(2π s²) + ‖x − m‖²/(2s²).
  // Tolerance 2e-3: the midpoint rule on cells ≤ 0.06 wide (≥ 13 per standard deviation) and the
  // mass outside the box (truth 6e-4, model 8e-5), which the grid normalization drops.
  const auto target = gaussian(Vec2::Zero(), 1.0);
  const auto problem = make_ebm_problem(target, {4096, 2048}, test_ebm::small_ebm(), 7, 128);
  const Box& b = problem->box;
  ASSERT_GE(std::min({-b.xmin, b.xmax, -b.ymin, b.ymax}), 3.5) << "box too small for the bound";
  const Vec2 m(0.3, -0.2);
  const double s = 0.8;
  const Points grid = ebm_grid_points(b, problem->grid_n);
  const EbmMetrics r = ebm_metrics_from_energies(
      gaussian_energy(grid, m, s), to_vec(gaussian_energy(problem->test, m, s)), *problem);
  const double kl = 2 * std::log(s) + (2 + m.squaredNorm()) / (2 * s * s) - 1;
  EXPECT_NEAR(r.kl_true_model, kl, 2e-3);
  double nll = 0;
  for (Eigen::Index i = 0; i < problem->test.rows(); ++i)
    nll += std::log(2 * std::numbers::pi * s * s) +
           (problem->test.row(i).transpose() - m).squaredNorm() / (2 * s * s);
  nll /= double(problem->test.rows());
  EXPECT_NEAR(r.nll_test, nll, 2e-3);
  // nll_true: the truth's own density at the test points, log(2π) + ‖x‖²/2.
  double nll_true = 0;
  for (Eigen::Index i = 0; i < problem->test.rows(); ++i)
    nll_true += std::log(2 * std::numbers::pi) + 0.5 * problem->test.row(i).squaredNorm();
  EXPECT_NEAR(r.nll_true, nll_true / double(problem->test.rows()), 2e-3);
  // The normalized grid density integrates to 1.
  const double area = b.width() * b.height() / (128.0 * 128.0);
  double mass = 0;
  for (double lp : r.log_density) mass += std::exp(lp) * area;
  EXPECT_NEAR(mass, 1.0, 1e-6);
  ASSERT_EQ(r.mode_weight.size(), 1u);
  EXPECT_NEAR(r.mode_weight[0], 1.0, 1e-6);
  EXPECT_NEAR(r.mode_tv, 0.0, 1e-6);
  // Median squared log-density error: (log p_θ − log p)² = (f(x))² with f a quadratic in x; its
  // value at the median cell is compared against the brute-force median of the closed form.
  std::vector<double> sq(grid.rows());
  for (Eigen::Index c = 0; c < grid.rows(); ++c) {
    const Vec2 x = grid.row(c).transpose();
    const double lm = -std::log(2 * std::numbers::pi * s * s) - (x - m).squaredNorm() / (2 * s * s);
    const double lt = -std::log(2 * std::numbers::pi) - 0.5 * x.squaredNorm();
    sq[c] = (lm - lt) * (lm - lt);
  }
  std::sort(sq.begin(), sq.end());
  const double med = 0.5 * (sq[sq.size() / 2 - 1] + sq[sq.size() / 2]);
  EXPECT_NEAR(r.logp_median_sq_error, med, 2e-3 * (1 + med));
}

TEST(EbmMetrics, ModelEqualToTruthHasZeroErrors) {
  // Energies = −log p̃ of the target itself: every error metric is 0 up to rounding, and nll_test
  // equals nll_true (both normalized by the same grid rule).
  const auto target = gmm(
      {{0.3, Vec2(-2, 0), 0.25 * Mat2::Identity()}, {0.7, Vec2(2, 0.5), 0.16 * Mat2::Identity()}});
  const auto problem = make_ebm_problem(target, {2048, 1024}, test_ebm::small_ebm(), 3, 96);
  const Points grid = ebm_grid_points(problem->box, problem->grid_n);
  std::vector<double> e(grid.rows());
  for (Eigen::Index c = 0; c < grid.rows(); ++c)
    e[c] = -target->log_density_at(grid(c, 0), grid(c, 1));
  Vec et(problem->test.rows());
  for (Eigen::Index i = 0; i < et.size(); ++i)
    et(i) = -target->log_density_at(problem->test(i, 0), problem->test(i, 1));
  const EbmMetrics r = ebm_metrics_from_energies(e, et, *problem);
  EXPECT_NEAR(r.kl_true_model, 0.0, 1e-9);
  EXPECT_NEAR(r.nll_test, r.nll_true, 1e-9);
  EXPECT_NEAR(r.mode_tv, 0.0, 1e-9);
  EXPECT_NEAR(r.logp_median_sq_error, 0.0, 1e-12);
  ASSERT_EQ(r.mode_weight.size(), 2u);
  // Region masses of the truth: 0.3 and 0.7 up to the other component's mass across the region
  // boundary (components 8.9 standard deviations apart: < 1e-6).
  EXPECT_NEAR(r.mode_weight[0], 0.3, 1e-4);
  EXPECT_NEAR(r.mode_weight[1], 0.7, 1e-4);
}

TEST(EbmMetrics, WrongModeWeightsShowInModeWeightAndTotalVariation) {
  // Truth 0.3/0.7; model the same components at 0.5/0.5: mode weights (0.5, 0.5) and
  // mode_tv = ½(0.2 + 0.2) = 0.2 (tolerance 1e-3: mass across the region boundary, < 1e-6, and
  // the midpoint rule); KL = Σ w log(w/w') over the well-separated modes = 0.3 log 0.6 + 0.7
  // log 1.4.
  const auto truth = gmm(
      {{0.3, Vec2(-2, 0), 0.25 * Mat2::Identity()}, {0.7, Vec2(2, 0.5), 0.16 * Mat2::Identity()}});
  const auto model = gmm(
      {{0.5, Vec2(-2, 0), 0.25 * Mat2::Identity()}, {0.5, Vec2(2, 0.5), 0.16 * Mat2::Identity()}});
  const auto problem = make_ebm_problem(truth, {2048, 1024}, test_ebm::small_ebm(), 3, 128);
  const Points grid = ebm_grid_points(problem->box, problem->grid_n);
  std::vector<double> e(grid.rows());
  for (Eigen::Index c = 0; c < grid.rows(); ++c)
    e[c] = -model->log_density_at(grid(c, 0), grid(c, 1));
  Vec et(problem->test.rows());
  for (Eigen::Index i = 0; i < et.size(); ++i)
    et(i) = -model->log_density_at(problem->test(i, 0), problem->test(i, 1));
  const EbmMetrics r = ebm_metrics_from_energies(e, et, *problem);
  ASSERT_EQ(r.mode_weight.size(), 2u);
  EXPECT_NEAR(r.mode_weight[0], 0.5, 1e-3);
  EXPECT_NEAR(r.mode_weight[1], 0.5, 1e-3);
  EXPECT_NEAR(r.mode_tv, 0.2, 1e-3);
  EXPECT_NEAR(r.kl_true_model, 0.3 * std::log(0.6) + 0.7 * std::log(1.4), 1e-3);
}

TEST(EbmMetrics, NonFiniteEnergiesGiveNaNNotAnException) {
  const auto problem =
      make_ebm_problem(gaussian(Vec2::Zero(), 1.0), {256, 64}, test_ebm::small_ebm(), 1, 32);
  std::vector<double> e(32 * 32, 1.0);
  e[17] = std::numeric_limits<double>::quiet_NaN();
  const EbmMetrics r = ebm_metrics_from_energies(e, Vec::Zero(problem->test.rows()), *problem);
  EXPECT_TRUE(std::isnan(r.nll_test));
  EXPECT_TRUE(std::isnan(r.kl_true_model));
  EXPECT_TRUE(std::isnan(r.mode_tv));
}

TEST(EbmMetrics, LogDensityRangeIsMaxMinusMinOfTheGridEnergies) {
  // The blow-up rule's quantity: max_c log p_θ − min_c log p_θ = max E − min E over the cells,
  // whatever constant the energies carry (it cancels), and NaN when an energy is not finite.
  const auto problem =
      make_ebm_problem(gaussian(Vec2::Zero(), 1.0), {256, 64}, test_ebm::small_ebm(), 1, 32);
  std::vector<double> e(32 * 32);
  for (std::size_t c = 0; c < e.size(); ++c) e[c] = 1000.0 + 0.25 * double(c % 97);
  e[5] = 1000.0 - 7.5;  // the lowest energy: log p's maximum
  const Vec test = Vec::Constant(problem->test.rows(), 1000.0);
  EbmMetrics r = ebm_metrics_from_energies(e, test, *problem);
  EXPECT_NEAR(r.log_density_range, 0.25 * 96 + 7.5, 1e-9);
  double top = -1e300, bottom = 1e300;
  for (double v : r.log_density) top = std::max(top, v), bottom = std::min(bottom, v);
  EXPECT_NEAR(r.log_density_range, top - bottom, 1e-9);
  e[9] = std::numeric_limits<double>::infinity();
  r = ebm_metrics_from_energies(e, test, *problem);
  EXPECT_TRUE(std::isnan(r.log_density_range));
}

TEST(EbmMetrics, WithoutTruthOnlyNllTestIsDefined) {
  EbmProblem p;
  p.box = {-2, 2, -2, 2};
  p.grid_n = 16;
  p.test = Points::Zero(4, 2);
  p.nll_true = std::numeric_limits<double>::quiet_NaN();
  // Uniform energy: p_θ = 1/16 on the box, nll = log 16.
  const EbmMetrics r =
      ebm_metrics_from_energies(std::vector<double>(256, 2.0), Vec::Constant(4, 2.0), p);
  EXPECT_NEAR(r.nll_test, std::log(16.0), 1e-12);
  EXPECT_TRUE(std::isnan(r.nll_true));
  EXPECT_TRUE(std::isnan(r.kl_true_model));
  EXPECT_TRUE(r.mode_weight.empty());
}

}  // namespace
}  // namespace ss
