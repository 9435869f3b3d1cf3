// The worker's clocks: steady wall time and the calling thread's CPU time, and a scoped timer that
// adds both to a pair of WorkerTiming fields (every timed section of the worker is one of these).
#pragma once

#include <time.h>

#include <chrono>

namespace ss {

/// Steady-clock time, seconds.
inline double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// CPU time of the calling thread, seconds (CLOCK_THREAD_CPUTIME_ID: not advanced while the
/// thread is preempted, so the honest cost on a loaded machine).
inline double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

/// Wall and thread-CPU seconds since construction; on destruction adds them to `wall` and `cpu`
/// (either may be null: that clock is not kept).
class ScopedWallCpuTimer {
 public:
  ScopedWallCpuTimer(double* wall, double* cpu)
      : wall_(wall), cpu_(cpu), wall0_(now_seconds()), cpu0_(thread_cpu_seconds()) {}
  ~ScopedWallCpuTimer() {
    if (wall_) *wall_ += wall_elapsed();
    if (cpu_) *cpu_ += cpu_elapsed();
  }
  ScopedWallCpuTimer(const ScopedWallCpuTimer&) = delete;
  ScopedWallCpuTimer& operator=(const ScopedWallCpuTimer&) = delete;
  double wall_elapsed() const { return now_seconds() - wall0_; }
  double cpu_elapsed() const { return thread_cpu_seconds() - cpu0_; }

 private:
  double* wall_;
  double* cpu_;
  double wall0_, cpu0_;
};

}  // namespace ss
