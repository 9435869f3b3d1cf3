// Shared by the chain-method tests: the correlated Gaussian N(μ, Σ), μ = (1, −1),
// Σ = [[1, 0.6], [0.6, 2]], and a moment check whose tolerance comes from the ESS.
#pragma once

#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "core/metrics/chain_diagnostics.h"
#include "core/samplers/sampler.h"
#include "core/targets/target.h"

namespace ss::test_util {

inline const Vec2 kMu(1.0, -1.0);
inline Mat2 sigma() {
  Mat2 s;
  s << 1.0, 0.6, 0.6, 2.0;
  return s;
}

class Gaussian2 final : public GenericTarget<Gaussian2> {
 public:
  Gaussian2() : precision_(sigma().inverse()) {}
  std::string kind() const override { return "gaussian2"; }
  std::string display_name() const override { return "Gaussian"; }
  Box view_box() const override { return {-4, 6, -7, 5}; }
  TargetSpec spec() const override { return {}; }
  template <class S>
  S logp(const S& x, const S& y) const {
    const S dx = x - kMu.x(), dy = y - kMu.y();
    return -0.5 * (precision_(0, 0) * dx * dx + 2.0 * precision_(0, 1) * dx * dy +
                   precision_(1, 1) * dy * dy);
  }

 private:
  Mat2 precision_;
};

// Runs `iterations` steps recording every chain's state (positions() after each step), then
// measures the error of the two means and three covariance entries in Monte-Carlo standard errors
// computed with the ESS of each estimated quantity (ess_basic of the transformed draws). Returns
// the largest |error|/SE seen, so callers can also assert a bias IS visible.
struct Moments {
  double max_z_mean = 0, max_z_cov = 0;
  Mat2 cov_hat;
};
inline Moments check_moments(Sampler& s, const std::function<const Points&()>& positions,
                             int iterations, const Vec2& mean, const Mat2& cov) {
  const int m = int(positions().rows());
  Eigen::MatrixXd dx(iterations, m), dy(iterations, m);
  for (int t = 0; t < iterations; ++t) {
    s.step();
    dx.row(t) = positions().col(0).transpose();
    dy.row(t) = positions().col(1).transpose();
  }
  Moments out;
  const double mx = dx.mean(), my = dy.mean();
  auto z = [](const Eigen::MatrixXd& d, double truth) {
    const double est = d.mean();
    const double sd = std::sqrt((d.array() - est).square().mean());
    const double se = sd / std::sqrt(ess_basic(d));
    return std::abs(est - truth) / se;
  };
  out.max_z_mean = std::max(z(dx, mean.x()), z(dy, mean.y()));
  const Eigen::MatrixXd cxx = (dx.array() - mx).square().matrix();
  const Eigen::MatrixXd cyy = (dy.array() - my).square().matrix();
  const Eigen::MatrixXd cxy = ((dx.array() - mx) * (dy.array() - my)).matrix();
  out.cov_hat << cxx.mean(), cxy.mean(), cxy.mean(), cyy.mean();
  out.max_z_cov = std::max({z(cxx, cov(0, 0)), z(cyy, cov(1, 1)), z(cxy, cov(0, 1))});
  return out;
}

}  // namespace ss::test_util
