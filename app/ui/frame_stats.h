// FrameStats: frame-time statistics for `samplescope --perf`. Frames in the first second after
// start-up (window creation, shader compilation, the first reference) are left out.
#pragma once

#include <string>
#include <vector>

namespace ss::ui {

class FrameStats {
 public:
  /// Records one frame that took `ms` milliseconds and started `seconds_since_start` after
  /// start-up.
  void add(double ms, double seconds_since_start) {
    if (seconds_since_start >= 1.0) ms_.push_back(ms);
  }
  std::size_t count() const { return ms_.size(); }
  /// The q-quantile (q in [0, 1], nearest rank) of the recorded frame times; 0 when empty.
  double quantile(double q) const;
  double max() const;
  /// "frame_ms p50=… p95=… p99=… max=… frames=…" with two decimals.
  std::string summary() const;

 private:
  std::vector<double> ms_;
};

}  // namespace ss::ui
