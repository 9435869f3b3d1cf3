#include "core/samplers/dft_noise.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "core/common/rng.h"
#include "core/targets/grid_reference.h"

namespace ss {

double target_width_quantile(std::shared_ptr<const Target> target, double alpha, int draws,
                             int resolution) {
  if (!(alpha > 0 && alpha < 1))
    throw std::invalid_argument("target_width_quantile: alpha: must be in (0, 1)");
  if (draws < 1) throw std::invalid_argument("target_width_quantile: draws: must be ≥ 1");
  const auto reference = GridReference::compute(target, resolution);
  Rng rng(0x51d7);
  Points x;
  reference->sample(draws, rng, x);
  Hessians h;
  target->evaluate(x, nullptr, nullptr, &h);
  std::vector<double> widths(static_cast<size_t>(draws));
  for (int i = 0; i < draws; ++i) {
    // Largest eigenvalue of −H = [[a, b], [b, c]]: (a + c)/2 + √(((a − c)/2)² + b²).
    const double a = -h(i, 0), b = -h(i, 1), c = -h(i, 2);
    const double lambda = 0.5 * (a + c) + std::hypot(0.5 * (a - c), b);
    widths[static_cast<size_t>(i)] = lambda > 0 && std::isfinite(lambda)
                                         ? 1.0 / std::sqrt(lambda)
                                         : std::numeric_limits<double>::infinity();
  }
  const size_t k = std::min(widths.size() - 1, static_cast<size_t>(alpha * draws));
  std::nth_element(widths.begin(), widths.begin() + static_cast<std::ptrdiff_t>(k), widths.end());
  return widths[k];
}

double derived_sigma_from_width(double width) {
  if (!std::isfinite(width)) return 2.0;
  return std::clamp(kSigmaWidthFraction * width, 1e-3, 2.0);
}

double derived_sigma(std::shared_ptr<const Target> target) {
  return derived_sigma_from_width(target_width_quantile(std::move(target), kTargetWidthQuantile));
}

}  // namespace ss
