// Tests of core/metrics/chain_diagnostics: the inverse normal CDF, agreement with an independent
// transcription of the posterior R package, and statistical behaviour on simulated chains
// (i.i.d. draws, AR(1) chains with known ESS, chains stuck in different modes of gmm_2to1).
#include "core/metrics/chain_diagnostics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/common/rng.h"
#include "core/targets/target.h"

namespace ss {
namespace {

double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

TEST(NormalQuantile, KnownValuesAndRoundTrip) {
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-14);
  EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-15);
  EXPECT_NEAR(normal_quantile(0.8413447460685429), 1.0, 1e-13);
  EXPECT_NEAR(normal_quantile(1e-10), -6.361340902404056, 1e-12);
  for (double p = 1e-300; p < 0.5; p *= 3.7) {
    // One ulp of z moves Φ(z) by a relative |z|·ulp(z) ≈ z²·1.1e-16 in the tail, so the round
    // trip is checked to 4e-14·max(1, z²) relative (a few ulp of z).
    const double z = normal_quantile(p);
    EXPECT_NEAR(normal_cdf(z), p, 4e-14 * std::max(1.0, z * z) * p) << p;
    if (p > 1e-16) {  // upper tail by symmetry, with the lower-tail value 1 − (1 − p) exact
      const double upper = 1.0 - p;
      EXPECT_EQ(normal_quantile(upper), -normal_quantile(1.0 - upper)) << p;
    }
  }
  EXPECT_EQ(normal_quantile(0.0), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(normal_quantile(1.0), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(normal_quantile(-0.1)));
  EXPECT_TRUE(std::isnan(normal_quantile(std::numeric_limits<double>::quiet_NaN())));
}

// The same deterministic data sets as the reference script (values floored to 0.01: many ties).
Eigen::MatrixXd dataset(int n, int m, int kind) {
  Eigen::MatrixXd x(n, m);
  for (int t = 0; t < n; ++t)
    for (int c = 0; c < m; ++c) {
      const double v = kind == 0
                           ? std::sin(0.37 * (t + 1) * (c + 1)) + 0.5 * std::cos(0.11 * t) + 0.3 * c
                           : std::sin(1.7 * (t + 1) + 0.9 * c) + std::cos(0.05 * t * t + c);
      x(t, c) = std::floor(v * 100.0) / 100.0;
    }
  return x;
}

// Reference numbers from an independent pure-Python transcription of posterior's R code
// (R/convergence.R: .rhat, .ess, z_scale with c = 3/8, fold_draws, .ess_quantile with type-7
// quantiles), using statistics.NormalDist().inv_cdf for Φ⁻¹. Data set 0 has an odd number of
// iterations (the middle draw is dropped when splitting) and drifting chains; data set 1 is
// antithetic (ESS > draws). Agreement to 1e-10 relative: only rounding differs.
TEST(ChainDiagnostics, MatchesPosteriorTranscription) {
  struct Case {
    int n, m, kind;
    double rhat, ess_bulk, ess_tail, rhat_basic, ess_basic;
  };
  const Case cases[] = {
      {101, 3, 0, 1.0521519933181809, 64.50383540184886, 88.87282144342369, 1.0436431744369201,
       77.93088182694908},
      {200, 4, 1, 0.9985150301932899, 880.1431024526137, 906.8811183483624, 0.9986368340204506,
       889.5681555372523},
  };
  for (const Case& c : cases) {
    const Eigen::MatrixXd x = dataset(c.n, c.m, c.kind);
    EXPECT_NEAR(rhat(x), c.rhat, 1e-10 * c.rhat) << c.kind;
    EXPECT_NEAR(ess_bulk(x), c.ess_bulk, 1e-10 * c.ess_bulk) << c.kind;
    EXPECT_NEAR(ess_tail(x), c.ess_tail, 1e-10 * c.ess_tail) << c.kind;
    EXPECT_NEAR(rhat_basic(x), c.rhat_basic, 1e-10 * c.rhat_basic) << c.kind;
    EXPECT_NEAR(ess_basic(x), c.ess_basic, 1e-10 * c.ess_basic) << c.kind;
    // The combined (shared, parallel) version gives exactly the separate functions' values.
    const ChainDiagnostics all = chain_diagnostics(x);
    EXPECT_EQ(all.rhat, rhat(x));
    EXPECT_EQ(all.ess_bulk, ess_bulk(x));
    EXPECT_EQ(all.ess_tail, ess_tail(x));
  }
}

// m chains of an AR(1) process x_t = μ_c + φ (x_{t−1} − μ_c) + √(1−φ²) σ ε_t started in
// stationarity (marginal N(μ_c, σ²)); its integrated autocorrelation time is (1+φ)/(1−φ).
Eigen::MatrixXd ar1_chains(int n, const std::vector<double>& means, double phi, double sigma,
                           Rng& rng) {
  const int m = static_cast<int>(means.size());
  Eigen::MatrixXd d(n, m);
  for (int c = 0; c < m; ++c) {
    double v = sigma * rng.normal();
    for (int t = 0; t < n; ++t) {
      if (t > 0) v = phi * v + std::sqrt(1 - phi * phi) * sigma * rng.normal();
      d(t, c) = means[c] + v;
    }
  }
  return d;
}

TEST(ChainDiagnostics, IidDrawsHaveRhatNearOneAndEssNearN) {
  Rng rng(41);
  const int n = 1000, m = 4;
  std::vector<double> bulk, tail, r;
  for (int rep = 0; rep < 10; ++rep) {
    const Eigen::MatrixXd d = ar1_chains(n, std::vector<double>(m, 0.0), 0.0, 1.0, rng);
    const ChainDiagnostics cd = chain_diagnostics(d);
    r.push_back(cd.rhat);
    bulk.push_back(cd.ess_bulk);
    tail.push_back(cd.ess_tail);
  }
  for (int rep = 0; rep < 10; ++rep) {
    // R-hat of agreeing chains: the usual threshold is 1.01.
    EXPECT_LT(r[rep], 1.01);
    EXPECT_GT(r[rep], 0.99);
    // A single ESS estimate of N = 4000 i.i.d. draws scatters by roughly ±10 % (bulk) and ±15 %
    // (tail, an indicator at the 5 % quantile); we allow 20 % and 30 %.
    EXPECT_NEAR(bulk[rep], n * m, 0.2 * n * m);
    EXPECT_NEAR(tail[rep], n * m, 0.3 * n * m);
  }
  double mean_bulk = 0;
  for (double b : bulk) mean_bulk += b / bulk.size();
  EXPECT_NEAR(mean_bulk, n * m, 0.06 * n * m);  // the average of 10 is tighter
}

TEST(ChainDiagnostics, Ar1EssMatchesTheory) {
  Rng rng(42);
  const int n = 5000, m = 4;
  for (const double phi : {0.5, 0.9}) {
    const Eigen::MatrixXd d = ar1_chains(n, std::vector<double>(m, 2.0), phi, 0.5, rng);
    const double expected = n * m * (1 - phi) / (1 + phi);
    // Rank normalization of Gaussian draws is nearly the identity, so bulk-ESS ≈ mean-ESS ≈
    // N(1−φ)/(1+φ); estimator noise at these sizes is ≈ 10 %, tolerance 25 %.
    EXPECT_NEAR(ess_bulk(d), expected, 0.25 * expected) << phi;
    EXPECT_NEAR(ess_basic(d), expected, 0.25 * expected) << phi;
    EXPECT_LT(rhat(d), 1.02) << phi;
  }
  // Antithetic chains (φ < 0): ESS above N but never above N log10(N).
  const Eigen::MatrixXd anti = ar1_chains(n, std::vector<double>(m, 0.0), -0.5, 1.0, rng);
  EXPECT_GT(ess_basic(anti), 1.5 * n * m);
  EXPECT_LE(ess_basic(anti), n * m * std::log10(double(n * m)));
}

TEST(ChainDiagnostics, ChainsStuckInDifferentModesOfGmm2to1) {
  const auto target = make_target(TargetSpec{"gmm_2to1"});
  const auto components = target->components();
  ASSERT_EQ(components.size(), 2u);
  Rng rng(43);
  const int n = 1000;
  // Two chains in each mode, each an AR(1) around its mode's mean (x coordinate) with the mode's
  // own spread: what MALA started in both modes does when it never crosses.
  std::vector<Points> states(n, Points(4, 2));
  for (int c = 0; c < 4; ++c) {
    const GaussianComponent& g = components[c % 2];
    const double sx = std::sqrt(g.cov(0, 0)), sy = std::sqrt(g.cov(1, 1));
    double vx = sx * rng.normal(), vy = sy * rng.normal();
    for (int t = 0; t < n; ++t) {
      if (t > 0) {
        vx = 0.7 * vx + std::sqrt(1 - 0.49) * sx * rng.normal();
        vy = 0.7 * vy + std::sqrt(1 - 0.49) * sy * rng.normal();
      }
      states[t](c, 0) = g.mean(0) + vx;
      states[t](c, 1) = g.mean(1) + vy;
    }
  }
  const ChainDiagnostics2D stuck = chain_diagnostics(states);
  EXPECT_GT(stuck.x.rhat, 1.1);
  EXPECT_GT(stuck.y.rhat, 1.1);
  EXPECT_GT(stuck.max_rhat, 1.5);  // modes ~ 4 standard deviations apart: far beyond 1.1
  // The same chains all in one mode: no alarm.
  for (int t = 0; t < n; ++t)
    for (int c = 1; c < 4; c += 2) {
      states[t](c, 0) += components[0].mean(0) - components[1].mean(0);
      states[t](c, 1) += components[0].mean(1) - components[1].mean(1);
    }
  // Chains 1 and 3 keep mode 1's spread around mode 0's mean: a small scale mismatch only.
  const ChainDiagnostics2D together = chain_diagnostics(states);
  EXPECT_LT(together.max_rhat, 1.1);
}

TEST(ChainDiagnostics, SplitDetectsDriftWithinOneChain) {
  // One chain that drifts: split R-hat sees the two halves disagree even with m = 1.
  Eigen::MatrixXd d(400, 1);
  Rng rng(44);
  for (int t = 0; t < 400; ++t) d(t, 0) = (t < 200 ? 0.0 : 3.0) + rng.normal();
  EXPECT_GT(rhat(d), 1.5);
  EXPECT_TRUE(std::isnan(rhat_basic(d, /*split=*/false)));  // one unsplit chain: undefined
}

TEST(ChainDiagnostics, EdgeCasesGiveNaNOrErrors) {
  Eigen::MatrixXd constant = Eigen::MatrixXd::Constant(50, 2, 1.5);
  EXPECT_TRUE(std::isnan(rhat(constant)));
  EXPECT_TRUE(std::isnan(ess_bulk(constant)));
  EXPECT_TRUE(std::isnan(ess_tail(constant)));
  Eigen::MatrixXd tiny(5, 2);  // split chains of 2 draws: ESS undefined (< 3 iterations)
  tiny << 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
  EXPECT_TRUE(std::isnan(ess_bulk(tiny)));
  EXPECT_FALSE(std::isnan(rhat(tiny)));
  Eigen::MatrixXd bad = dataset(20, 2, 0);
  bad(3, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(rhat(bad)));
  EXPECT_TRUE(std::isnan(ess_bulk(bad)));
  EXPECT_TRUE(std::isnan(ess_tail(bad)));
  EXPECT_THROW(rhat(Eigen::MatrixXd(0, 3)), std::invalid_argument);
  EXPECT_THROW(ess_quantile(dataset(20, 2, 0), 1.5), std::invalid_argument);
  std::vector<Points> ragged = {Points::Zero(3, 2), Points::Zero(2, 2)};
  EXPECT_THROW(chain_diagnostics(ragged), std::invalid_argument);
  EXPECT_THROW(coordinate_draws({Points::Zero(3, 2)}, 2), std::invalid_argument);
}

TEST(AcceptanceCounter, RatesAndWindows) {
  AcceptanceCounter a;
  EXPECT_TRUE(std::isnan(a.rate()));
  a.record(3, 4);
  a.record(true);
  a.record(false);
  EXPECT_DOUBLE_EQ(a.rate(), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(a.window_rate(), 4.0 / 6.0);
  a.start_window();
  EXPECT_TRUE(std::isnan(a.window_rate()));
  a.record(1, 4);
  EXPECT_DOUBLE_EQ(a.window_rate(), 0.25);
  EXPECT_DOUBLE_EQ(a.rate(), 5.0 / 10.0);
  EXPECT_EQ(a.accepted(), 5u);
  EXPECT_EQ(a.proposed(), 10u);
  EXPECT_THROW(a.record(5, 4), std::invalid_argument);
  a.reset();
  EXPECT_TRUE(std::isnan(a.rate()));
}

}  // namespace
}  // namespace ss
