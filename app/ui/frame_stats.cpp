#include "app/ui/frame_stats.h"

#include <unistd.h>
#include <algorithm>
#include <cmath>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

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

ThreadGroupCpu thread_group_cpu_ms() {
  ThreadGroupCpu out;
  const long ticks = sysconf(_SC_CLK_TCK);
  if (ticks <= 0) return out;
  const std::string self = std::to_string(getpid());
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream f(entry.path() / "stat");
    std::string line;
    if (!std::getline(f, line)) continue;
    // "tid (comm) state ppid ...": comm may hold spaces, so split at the last ')'.
    const size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    const std::string comm = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 1));
    std::string field;
    double utime = 0, stime = 0;
    // Fields 3.. of proc(5): state is the 1st after ')', utime the 12th, stime the 13th.
    for (int i = 1; i <= 13 && rest >> field; ++i) {
      if (i == 12) utime = std::atof(field.c_str());
      if (i == 13) stime = std::atof(field.c_str());
    }
    const double ms = (utime + stime) * 1e3 / double(ticks);
    if (entry.path().filename() == self)
      out.ui += ms;
    else if (comm.rfind("llvmpipe", 0) == 0)
      out.rasterizer += ms;
    else
      out.other += ms;
  }
  return out;
}

}  // namespace ss::ui
