// Random numbers with results that depend only on the seed: the same on every standard library
// and for any number of threads (draws are made serially by the owner of the Rng; parallel code
// consumes pre-drawn buffers).
//
// Engine: std::mt19937_64 (its output sequence is fixed by the C++ standard). Uniforms use the top
// 53 bits; normals use the Marsaglia polar method implemented here, because the distributions of
// <random> are implementation-defined.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

#include "core/common/types.h"

namespace ss {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) : engine_(seed) {}

  void seed(std::uint64_t s) {
    engine_.seed(s);
    has_spare_ = false;
  }
  /// Uniform on [0, 1).
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  /// Uniform on [a, b).
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  /// Uniform integer in [0, n). n must be > 0.
  std::uint64_t index(std::uint64_t n) {
    // Lemire-style rejection keeps the draw exactly uniform.
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t r;
    do r = engine_();
    while (r >= limit);
    return r % n;
  }
  /// Standard normal draw (Marsaglia polar method, spare value cached).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }
  /// Fills a matrix (any shape) with independent standard normals, row by row.
  template <class Derived>
  void fill_normal(Eigen::MatrixBase<Derived>& m) {
    for (Eigen::Index i = 0; i < m.rows(); ++i)
      for (Eigen::Index j = 0; j < m.cols(); ++j) m(i, j) = normal();
  }
  /// A fresh 64-bit value, e.g. to seed a child generator.
  std::uint64_t next_u64() { return engine_(); }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

/// Derives an independent seed for stream `stream` of a run seeded with `seed` (SplitMix64 mix).
inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace ss
