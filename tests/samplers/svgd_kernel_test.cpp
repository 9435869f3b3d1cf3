#include "core/samplers/svgd_kernel.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/common/rng.h"

namespace ss {
namespace {

// numpy.median over the full n×n matrix of squared distances, by a full sort (the reference).
double brute_force_median(const Points& x) {
  std::vector<double> all;
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.rows(); ++j) all.push_back((x.row(i) - x.row(j)).squaredNorm());
  std::sort(all.begin(), all.end());
  const size_t m = all.size();
  return m % 2 ? all[m / 2] : 0.5 * (all[m / 2 - 1] + all[m / 2]);
}

// The SVGD direction by a naive double loop with std::exp (svgd.md §1.2, formula for φ_i).
Points naive_direction(const Points& x, const Points& g, double h2) {
  const Eigen::Index n = x.rows();
  Points phi = Points::Zero(n, 2);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      const Vec2 d = (x.row(i) - x.row(j)).transpose();
      const double k = std::exp(-d.squaredNorm() / (2 * h2));
      phi.row(i) += k * g.row(j) + k * d.transpose() / h2;
    }
  }
  return phi / double(n);
}

Points gaussian_points(int n, std::uint64_t seed, double scale = 1.0) {
  Rng rng(seed);
  Points x(n, 2);
  rng.fill_normal(x);
  return scale * x;
}

TEST(SvgdKernel, MedianMatchesFullSortReference) {
  SvgdKernelWorkspace ws;
  // Small n (direct selection), odd and even counts, and n large enough for the sampled bracket.
  for (int n : {1, 2, 3, 4, 7, 10, 51, 100, 349, 350, 501, 800}) {
    const Points x = gaussian_points(n, 100 + n);
    EXPECT_DOUBLE_EQ(median_squared_distance(x, ws), brute_force_median(x)) << "n = " << n;
  }
}

TEST(SvgdKernel, MedianHandlesDuplicatesAndCoincidingParticles) {
  SvgdKernelWorkspace ws;
  // Many duplicated points: lots of zero and tied pair distances (ties at the bracket edges).
  for (int n : {6, 9, 400, 600}) {
    Points x = gaussian_points(n, 7 + n);
    for (int i = 0; i < n; ++i) x.row(i) = x.row(i % 5);
    EXPECT_DOUBLE_EQ(median_squared_distance(x, ws), brute_force_median(x)) << "n = " << n;
  }
  // Points on a coarse lattice: many exactly equal non-zero distances.
  Rng rng(3);
  Points lattice(700, 2);
  for (int i = 0; i < 700; ++i) lattice.row(i) << double(rng.index(6)), double(rng.index(6));
  EXPECT_DOUBLE_EQ(median_squared_distance(lattice, ws), brute_force_median(lattice));
}

TEST(SvgdKernel, MedianHeuristicFormula) {
  SvgdKernelWorkspace ws;
  const Points x = gaussian_points(200, 5);
  const double h2 = svgd_median_bandwidth2(x, ws);
  EXPECT_DOUBLE_EQ(h2, 0.5 * brute_force_median(x) / std::log(201.0));
}

TEST(SvgdKernel, DirectionMatchesNaiveDoubleLoop) {
  SvgdKernelWorkspace ws;
  for (int n : {1, 5, 255, 256, 257, 700}) {
    const Points x = gaussian_points(n, 11 + n, 2.0);
    const Points g = gaussian_points(n, 13 + n);
    Points phi;
    const double h2 = svgd_direction(x, g, 0.0, ws, phi);
    const Points ref = naive_direction(x, g, h2);
    // Vectorized exp and a different summation order: agreement to ~1e-12 relative to the scale
    // of the terms (|g| ~ 1, |x − x'|/h² ~ 10).
    EXPECT_LT((phi - ref).cwiseAbs().maxCoeff(), 1e-11 * (1 + ref.cwiseAbs().maxCoeff()))
        << "n = " << n;
    // A fixed bandwidth is used as given.
    EXPECT_EQ(svgd_direction(x, g, 0.37, ws, phi), 0.37);
    const Points ref_fixed = naive_direction(x, g, 0.37);
    EXPECT_LT((phi - ref_fixed).cwiseAbs().maxCoeff(),
              1e-11 * (1 + ref_fixed.cwiseAbs().maxCoeff()));
  }
}

TEST(SvgdKernel, RepulsionPushesApartAndSingleParticleIsGradientAscent) {
  SvgdKernelWorkspace ws;
  Points x(2, 2), g = Points::Zero(2, 2), phi;
  x << -0.5, 0, 0.5, 0;
  svgd_direction(x, g, 1.0, ws, phi);
  EXPECT_LT(phi(0, 0), 0);  // left particle pushed left
  EXPECT_GT(phi(1, 0), 0);
  Points one(1, 2), g1(1, 2);
  one << 1, 2;
  g1 << 0.3, -0.4;
  svgd_direction(one, g1, 0.0, ws, phi);
  EXPECT_DOUBLE_EQ(phi(0, 0), 0.3);
  EXPECT_DOUBLE_EQ(phi(0, 1), -0.4);
}

TEST(SvgdKernel, CoincidingParticlesGiveFiniteBandwidthAndDirection) {
  SvgdKernelWorkspace ws;
  Points x = Points::Constant(50, 2, 1.5), g(50, 2), phi;
  Rng rng(1);
  rng.fill_normal(g);
  const double h2 = svgd_direction(x, g, 0.0, ws, phi);
  EXPECT_GT(h2, 0);
  ASSERT_TRUE(phi.allFinite());
  // K = 1 everywhere and no repulsion: every particle moves along the mean score.
  for (int i = 0; i < 50; ++i) EXPECT_NEAR(phi(i, 0), g.col(0).mean(), 1e-12);
  // Median zero but particles not all equal: falls back to the mean pair distance (finite, > 0).
  x.row(0) << 2.5, 1.5;
  EXPECT_GT(svgd_median_bandwidth2(x, ws), 1e-6);
}

TEST(SvgdKernel, NonFinitePositionsPropagate) {
  SvgdKernelWorkspace ws;
  Points x = gaussian_points(300, 2), g = gaussian_points(300, 3), phi;
  x(7, 1) = std::nan("");
  svgd_direction(x, g, 0.0, ws, phi);
  EXPECT_FALSE(phi.allFinite());
}

TEST(SvgdKernel, SameResultWithOneAndTwoThreads) {
  const Points x = gaussian_points(1500, 21, 2.0), g = gaussian_points(1500, 22);
  Points phi1, phi2;
  double h1, h2;
  {
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    SvgdKernelWorkspace ws;
    h1 = svgd_direction(x, g, 0.0, ws, phi1);
  }
  {
    tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
    SvgdKernelWorkspace ws;
    h2 = svgd_direction(x, g, 0.0, ws, phi2);
  }
  EXPECT_EQ(h1, h2);
  EXPECT_TRUE((phi1.array() == phi2.array()).all());
}

TEST(SvgdKernel, RejectsBadShapes) {
  SvgdKernelWorkspace ws;
  Points x(0, 2), g(0, 2), phi;
  EXPECT_THROW(svgd_direction(x, g, 0.0, ws, phi), std::invalid_argument);
  Points x3 = gaussian_points(3, 1), g2 = gaussian_points(2, 1);
  EXPECT_THROW(svgd_direction(x3, g2, 0.0, ws, phi), std::invalid_argument);
}

}  // namespace
}  // namespace ss
