#include "app/ui/frame_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ss::ui {

double FrameStats::quantile(double q) const {
  if (ms_.empty()) return 0;
  std::vector<double> v = ms_;
  const size_t k = size_t(std::clamp(std::ceil(q * v.size()) - 1, 0.0, double(v.size() - 1)));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

double FrameStats::max() const {
  return ms_.empty() ? 0 : *std::max_element(ms_.begin(), ms_.end());
}

std::string FrameStats::summary() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "frame_ms p50=%.2f p95=%.2f p99=%.2f max=%.2f frames=%zu",
                quantile(0.5), quantile(0.95), quantile(0.99), max(), ms_.size());
  return buf;
}

}  // namespace ss::ui
