#include "core/metrics/energy_distance.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "core/metrics/pair_sum.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define SS_ENERGY_AVX2 1
#endif

namespace ss {
namespace {

struct Coordinates {
  std::vector<double> x, y;
};

// Padded structure-of-arrays copy of the coordinates.
Coordinates to_soa(const Points& p) {
  Coordinates c;
  const size_t len = static_cast<size_t>(p.rows()) + detail::SoaPoints::kPad;
  c.x.assign(len, 0.0);
  c.y.assign(len, 0.0);
  for (Eigen::Index i = 0; i < p.rows(); ++i) c.x[i] = p(i, 0), c.y[i] = p(i, 1);
  return c;
}

// Σ ‖a_i − b_j‖ over i ∈ [i0, i1), j ∈ [j0, j1) (or j > i when upper_only).
double distance_tile(const Coordinates& a, const Coordinates& b, int i0, int i1, int j0, int j1,
                     bool upper_only) {
#ifdef SS_ENERGY_AVX2
  const __m256i lane = _mm256_set_epi64x(3, 2, 1, 0);
  __m256d acc = _mm256_setzero_pd();
  for (int i = i0; i < i1; ++i) {
    const __m256d xi = _mm256_set1_pd(a.x[i]), yi = _mm256_set1_pd(a.y[i]);
    const int js = upper_only ? i + 1 : j0;
    for (int j = js; j < j1; j += 4) {
      const __m256d dx = _mm256_sub_pd(xi, _mm256_loadu_pd(b.x.data() + j));
      const __m256d dy = _mm256_sub_pd(yi, _mm256_loadu_pd(b.y.data() + j));
      __m256d d = _mm256_sqrt_pd(_mm256_fmadd_pd(dx, dx, _mm256_mul_pd(dy, dy)));
      if (j + 4 > j1) {
        const __m256i keep = _mm256_cmpgt_epi64(_mm256_set1_epi64x(j1 - j), lane);
        d = _mm256_and_pd(d, _mm256_castsi256_pd(keep));
      }
      acc = _mm256_add_pd(acc, d);
    }
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, acc);
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
#else
  double acc[4] = {0, 0, 0, 0};
  for (int i = i0; i < i1; ++i) {
    const int js = upper_only ? i + 1 : j0;
    for (int j = js; j < j1; ++j) {
      const double dx = a.x[i] - b.x[j], dy = a.y[i] - b.y[j];
      acc[(j - js) & 3] += std::sqrt(dx * dx + dy * dy);
    }
  }
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
#endif
}

// Σ_{i<j} ‖p_i − p_j‖.
double within_sum(const Coordinates& p, int n) {
  return detail::symmetric_pair_sum(n, [&](int i0, int i1, int j0, int j1, bool same) {
    return distance_tile(p, p, i0, i1, j0, j1, same);
  });
}

}  // namespace

EnergyStatistics energy_statistics(const Points& x, const Points& reference) {
  if (x.rows() == 0) throw std::invalid_argument("energy_distance: samples: no points given");
  if (reference.rows() == 0)
    throw std::invalid_argument("energy_distance: reference: no points given");
  EnergyStatistics s;
  s.n = static_cast<int>(x.rows());
  s.m = static_cast<int>(reference.rows());
  if (!x.allFinite() || !reference.allFinite()) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    s.v = s.u = s.mean_cross = s.mean_within_x = s.mean_within_y = nan;
    return s;
  }
  const Coordinates a = to_soa(x), b = to_soa(reference);
  const double n = s.n, m = s.m;
  const double cross = detail::cross_pair_sum(s.n, s.m, [&](int i0, int i1, int j0, int j1) {
    return distance_tile(a, b, i0, i1, j0, j1, false);
  });
  const double wx = within_sum(a, s.n), wy = within_sum(b, s.m);
  s.mean_cross = cross / (n * m);
  s.mean_within_x = s.n > 1 ? 2.0 * wx / (n * (n - 1.0)) : 0.0;
  s.mean_within_y = s.m > 1 ? 2.0 * wy / (m * (m - 1.0)) : 0.0;
  s.v = 2.0 * s.mean_cross - 2.0 * wx / (n * n) - 2.0 * wy / (m * m);
  s.u = (s.n > 1 && s.m > 1) ? 2.0 * s.mean_cross - s.mean_within_x - s.mean_within_y
                             : std::numeric_limits<double>::quiet_NaN();
  return s;
}

double energy_distance(const Points& x, const Points& reference) {
  return energy_statistics(x, reference).v;
}

}  // namespace ss
