// Helpers shared by the metric tests: Gaussian sample sets, bitwise comparison, a fixed thread
// count.
#pragma once

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <cstring>
#include <utility>

#include "core/common/rng.h"
#include "core/common/types.h"

namespace ss::testing {

/// n points of N((mean_x, mean_y), scale² I), x then y drawn per point.
inline Points normal_points(int n, Rng& rng, double mean_x = 0, double mean_y = 0,
                            double scale = 1) {
  Points x(n, 2);
  for (int i = 0; i < n; ++i) {
    x(i, 0) = mean_x + scale * rng.normal();
    x(i, 1) = mean_y + scale * rng.normal();
  }
  return x;
}

/// The same double, bit for bit (NaN payloads and signed zeros included).
inline bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

/// f() run in a TBB arena of `threads` threads, at most `threads` in use.
template <class F>
auto with_threads(int threads, F&& f) {
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(threads);
  return arena.execute(std::forward<F>(f));
}

}  // namespace ss::testing
