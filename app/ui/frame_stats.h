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

/// CPU time (milliseconds) the process's threads have used so far, in three groups: the main
/// thread (the UI), Mesa llvmpipe's rasterizer threads (named "llvmpipe-N"), and every other
/// thread (the engine worker and its TBB threads, the recorder's encoder). Read from
/// /proc/self/task/*/stat (utime + stime, in clock ticks of 10 ms): differences over a few
/// seconds are meaningful, single frames are not. Threads that ended are no longer counted; all
/// zeros when /proc cannot be read.
struct ThreadGroupCpu {
  double ui = 0, rasterizer = 0, other = 0;
};
ThreadGroupCpu thread_group_cpu_ms();

}  // namespace ss::ui
