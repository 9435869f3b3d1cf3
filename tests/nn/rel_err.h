// The relative error of the gradient checks: rel_err(a, f) = ‖a − f‖∞ / max(‖f‖∞, 1e-12), the
// largest absolute deviation of `a` from the estimate `f` measured against f's largest entry.
#pragma once

#include <Eigen/Core>
#include <algorithm>

namespace ss::nn::testing {

inline double rel_err(const Eigen::VectorXd& a, const Eigen::VectorXd& f) {
  return (a - f).lpNorm<Eigen::Infinity>() / std::max(f.lpNorm<Eigen::Infinity>(), 1e-12);
}

}  // namespace ss::nn::testing
