#include "core/metrics/mode_coverage.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cmath>
#include <stdexcept>

namespace ss {

ModeCoverage mode_coverage(const GridReference& reference, const Points& samples) {
  if (samples.rows() == 0) throw std::invalid_argument("mode_coverage: samples: no points given");
  const int n = static_cast<int>(samples.rows());
  const auto& regions = reference.regions();
  const int region_count = static_cast<int>(regions.size());

  // Region id per point (−1: non-finite or no valid region), then a serial count.
  std::vector<int> id(static_cast<size_t>(n), -1);
  tbb::parallel_for(tbb::blocked_range<int>(0, n, 256), [&](const tbb::blocked_range<int>& r) {
    for (int i = r.begin(); i != r.end(); ++i) {
      const double x = samples(i, 0), y = samples(i, 1);
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      const int region = reference.region_of(x, y);
      id[i] = (region >= 0 && region < region_count) ? region : -1;
    }
  });

  ModeCoverage c;
  c.n = n;
  c.sample_fraction.assign(regions.size(), 0.0);
  c.true_mass.resize(regions.size());
  std::vector<long> counts(regions.size(), 0);
  long outside = 0;
  for (int region : id) {
    if (region < 0)
      ++outside;
    else
      ++counts[region];
  }
  double abs_diff = 0.0;
  for (int r = 0; r < region_count; ++r) {
    c.true_mass[r] = regions[r].true_mass;
    c.sample_fraction[r] = static_cast<double>(counts[r]) / n;
    abs_diff += std::abs(c.sample_fraction[r] - c.true_mass[r]);
    if (c.sample_fraction[r] < 0.1 * c.true_mass[r]) ++c.modes_missed;
  }
  c.outside_fraction = static_cast<double>(outside) / n;
  c.total_variation = 0.5 * (abs_diff + c.outside_fraction);
  return c;
}

}  // namespace ss
