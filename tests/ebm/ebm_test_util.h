// Shared helpers of the ebm tests: targets, small problems and exact negatives (samples drawn from
// the current EBM by inverse CDF on a grid: the "perfect sampler" the sign test trains with).
#pragma once

#include <cmath>
#include <memory>
#include <vector>

#include "core/ebm/problem.h"
#include "core/ebm/trainer.h"
#include "core/targets/target.h"

namespace ss::test_ebm {

inline std::shared_ptr<const Target> gmm(const std::vector<GaussianComponent>& components) {
  TargetSpec s;
  s.kind = "gmm";
  s.components = components;
  return make_target(s);
}

inline std::shared_ptr<const Target> gaussian(const Vec2& mean, double sd) {
  return gmm({{1.0, mean, sd * sd * Mat2::Identity()}});
}

/// A small, fast EBM setting for tests (2 → 16 → 16 → 1).
inline EbmSettings small_ebm() {
  EbmSettings s;
  s.hidden = {16, 16};
  s.batch = 64;
  s.persistent = 256;
  return s;
}

/// Negatives drawn exactly from the current EBM restricted to the problem's box: energies on a
/// coarse n × n grid of cell centres, a cell by inverse CDF over exp(−E), then a uniform jitter in
/// the cell. Serial rng; deterministic.
class ExactGridNegatives final : public NegativeSampler {
 public:
  explicit ExactGridNegatives(int n = 48) : n_(n) {}
  void reset(const EbmProblem& problem, const ParamValues&, std::uint64_t seed) override {
    box_ = problem.box;
    rng_.seed(seed);
    grid_ = ebm_grid_points(box_, n_);
  }
  void draw(EnergyView& ebm, int batch, Points& out, EvalCounters& counters) override {
    Vec logp;
    ebm.evaluate(grid_, &logp, nullptr, counters);
    const double top = logp.maxCoeff();
    std::vector<double> cdf(logp.size());
    double s = 0;
    for (Eigen::Index c = 0; c < logp.size(); ++c) cdf[c] = (s += std::exp(logp(c) - top));
    out.resize(batch, 2);
    const double w = box_.width() / n_, h = box_.height() / n_;
    for (int i = 0; i < batch; ++i) {
      const double u = rng_.uniform() * s;
      const auto c = std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin();
      out(i, 0) = grid_(c, 0) + (rng_.uniform() - 0.5) * w;
      out(i, 1) = grid_(c, 1) + (rng_.uniform() - 0.5) * h;
    }
    last_ = out;
  }
  const Points& display_samples() const override { return last_; }
  void evaluation_samples(int, Points& out) override { out = last_; }

 private:
  int n_;
  Box box_;
  Rng rng_;
  Points grid_, last_;
};

}  // namespace ss::test_ebm
