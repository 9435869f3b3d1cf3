// Helpers of the negative-sampler tests: a FIXED energy model (a small EnergyNet fitted briefly to
// gmm_2to1 data by exact maximum likelihood, its negatives drawn from its own grid distribution),
// exact draws from an EnergyNet's grid distribution, and the heavy-mode share of points.
#pragma once

#include <cmath>
#include <memory>
#include <vector>

#include "core/common/rng.h"
#include "core/ebm/energy.h"
#include "core/ebm/problem.h"
#include "core/targets/grid_reference.h"
#include "core/targets/target.h"

namespace ss::testing {

/// The gmm_2to1 problem with small data and a small energy network (2 → 32 → 32 → 1).
inline std::shared_ptr<const EbmProblem> small_2to1_problem(int persistent = 512, int batch = 64) {
  TargetSpec spec;
  spec.kind = "gmm_2to1";
  DataSettings data;
  data.samples = 2048;
  data.test_samples = 256;
  EbmSettings ebm;
  ebm.hidden = {32, 32};
  ebm.batch = batch;
  ebm.persistent = persistent;
  return make_ebm_problem(make_target(spec), data, ebm, 7, 64);
}

/// n exact draws from the grid distribution of `net` on the problem's grid: a cell with
/// probability ∝ exp(−E(c)), then uniform within the cell.
inline void grid_draws(EnergyNet& net, const EbmProblem& p, int n, Rng& rng, Points& out) {
  const int g = p.grid_n;
  const Box& b = p.box;
  const double dx = b.width() / g, dy = b.height() / g;
  Points c(Eigen::Index(g) * g, 2);
  for (int iy = 0; iy < g; ++iy)
    for (int ix = 0; ix < g; ++ix) {
      c(iy * g + ix, 0) = b.xmin + (ix + 0.5) * dx;
      c(iy * g + ix, 1) = b.ymin + (iy + 0.5) * dy;
    }
  Vec e;
  net.energy(c, e);
  const double lo = e.minCoeff();
  std::vector<double> cdf(e.size());
  double acc = 0;
  for (Eigen::Index i = 0; i < e.size(); ++i) cdf[i] = acc += std::exp(-(e[i] - lo));
  out.resize(n, 2);
  for (int k = 0; k < n; ++k) {
    const double u = rng.uniform() * acc;
    const auto cell = std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin();
    const Eigen::Index i = std::min<Eigen::Index>(cell, e.size() - 1);
    out(k, 0) = c(i, 0) + (rng.uniform() - 0.5) * dx;
    out(k, 1) = c(i, 1) + (rng.uniform() - 0.5) * dy;
  }
}

/// A fixed two-mode energy: the problem's network fitted for `steps` exact-ML steps (positives
/// from the data, negatives exact draws from its own grid distribution). Tilted when `tilt`.
inline void fit_fixed_energy(EnergyNet& net, const EbmProblem& p, bool tilt, int steps = 150) {
  Rng init(11), rng(12);
  net.build(p.ebm, p.box, init);
  net.set_tilt(tilt);
  const int B = 128;
  Points pos(B, 2), neg;
  for (int s = 0; s < steps; ++s) {
    for (int i = 0; i < B; ++i) pos.row(i) = p.train.row(rng.index(p.train.rows()));
    grid_draws(net, p, B, rng, neg);
    net.train_step(pos, neg);
  }
}

/// Share of points with x + y > 0 (gmm_2to1's heavy mode is the upper-right one).
inline double heavy_share(const Points& x) {
  int k = 0;
  for (Eigen::Index i = 0; i < x.rows(); ++i) k += x(i, 0) + x(i, 1) > 0;
  return double(k) / double(x.rows());
}

}  // namespace ss::testing
