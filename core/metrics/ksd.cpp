#include "core/metrics/ksd.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/metrics/pair_sum.h"

#include "core/common/simd_exp.h"
#ifdef SS_HAVE_SIMD_EXP
#define SS_KSD_AVX2 1
#endif

namespace ss {
namespace {

void check_inputs(const Points& x, const Points& scores) {
  if (x.rows() == 0) throw std::invalid_argument("ksd: samples: no points given");
  if (scores.rows() != x.rows())
    throw std::invalid_argument("ksd: scores: expected " + std::to_string(x.rows()) +
                                " rows (one per sample), got " + std::to_string(scores.rows()));
}

bool all_finite(const Points& x, const Points& scores) {
  return x.allFinite() && scores.allFinite();
}

// Copies points and scores into padded structure-of-arrays buffers.
detail::SoaPoints to_soa(const Points& x, const Points& scores) {
  detail::SoaPoints p;
  p.n = static_cast<int>(x.rows());
  const size_t len = static_cast<size_t>(p.n) + detail::SoaPoints::kPad;
  p.x.assign(len, 0.0);
  p.y.assign(len, 0.0);
  p.sx.assign(len, 0.0);
  p.sy.assign(len, 0.0);
  for (int i = 0; i < p.n; ++i) {
    p.x[i] = x(i, 0);
    p.y[i] = x(i, 1);
    p.sx[i] = scores(i, 0);
    p.sy[i] = scores(i, 1);
  }
  return p;
}

// IMQ constants: u = a·dot + inv_l2·b·(cross + three_c2·iq − 1) with q = c2 + inv_l2·ρ.
struct ImqConstants {
  double c2, inv_l2, three_c2;
};

#ifdef SS_KSD_AVX2
// Sum of u_ij over the pairs of one tile, 4 pairs per step (AVX2 + FMA).
double imq_tile(const detail::SoaPoints& p, const ImqConstants& k, int i0, int i1, int j0, int j1,
                bool same_block) {
  const __m256d c2 = _mm256_set1_pd(k.c2), inv_l2 = _mm256_set1_pd(k.inv_l2);
  const __m256d three_c2 = _mm256_set1_pd(k.three_c2), one = _mm256_set1_pd(1.0);
  const __m256i lane = _mm256_set_epi64x(3, 2, 1, 0);
  __m256d acc = _mm256_setzero_pd();
  const double *px = p.x.data(), *py = p.y.data(), *psx = p.sx.data(), *psy = p.sy.data();
  for (int i = i0; i < i1; ++i) {
    const __m256d xi = _mm256_set1_pd(px[i]), yi = _mm256_set1_pd(py[i]);
    const __m256d sxi = _mm256_set1_pd(psx[i]), syi = _mm256_set1_pd(psy[i]);
    const int js = same_block ? i + 1 : j0;
    for (int j = js; j < j1; j += 4) {
      const __m256d dx = _mm256_sub_pd(xi, _mm256_loadu_pd(px + j));
      const __m256d dy = _mm256_sub_pd(yi, _mm256_loadu_pd(py + j));
      const __m256d sxj = _mm256_loadu_pd(psx + j), syj = _mm256_loadu_pd(psy + j);
      const __m256d rho = _mm256_fmadd_pd(dx, dx, _mm256_mul_pd(dy, dy));
      const __m256d q = _mm256_fmadd_pd(inv_l2, rho, c2);
      const __m256d a = _mm256_div_pd(one, _mm256_sqrt_pd(q));
      const __m256d iq = _mm256_mul_pd(a, a);
      const __m256d b = _mm256_mul_pd(_mm256_mul_pd(a, iq), inv_l2);
      const __m256d dot = _mm256_fmadd_pd(sxi, sxj, _mm256_mul_pd(syi, syj));
      const __m256d cross =
          _mm256_fmadd_pd(_mm256_sub_pd(sxi, sxj), dx, _mm256_mul_pd(_mm256_sub_pd(syi, syj), dy));
      const __m256d bracket = _mm256_add_pd(cross, _mm256_fmsub_pd(three_c2, iq, one));
      __m256d u = _mm256_fmadd_pd(a, dot, _mm256_mul_pd(b, bracket));
      if (j + 4 > j1) {  // tail: keep lanes j..j1−1 only
        const __m256i keep = _mm256_cmpgt_epi64(_mm256_set1_epi64x(j1 - j), lane);
        u = _mm256_and_pd(u, _mm256_castsi256_pd(keep));
      }
      acc = _mm256_add_pd(acc, u);
    }
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, acc);
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}
#else
// Portable version of the tile sum (same 4-lane accumulation structure, no intrinsics).
double imq_tile(const detail::SoaPoints& p, const ImqConstants& k, int i0, int i1, int j0, int j1,
                bool same_block) {
  double acc[4] = {0, 0, 0, 0};
  for (int i = i0; i < i1; ++i) {
    const double xi = p.x[i], yi = p.y[i], sxi = p.sx[i], syi = p.sy[i];
    const int js = same_block ? i + 1 : j0;
    for (int j = js; j < j1; ++j) {
      const double dx = xi - p.x[j], dy = yi - p.y[j];
      const double rho = dx * dx + dy * dy;
      const double q = k.inv_l2 * rho + k.c2;
      const double a = 1.0 / std::sqrt(q);
      const double iq = a * a;
      const double b = a * iq * k.inv_l2;
      const double dot = sxi * p.sx[j] + syi * p.sy[j];
      const double cross = (sxi - p.sx[j]) * dx + (syi - p.sy[j]) * dy;
      acc[(j - js) & 3] += a * dot + b * (cross + (k.three_c2 * iq - 1.0));
    }
  }
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}
#endif

// RBF constants: u = e^(−half_inv_s2·ρ) · (dot + cross·inv_s2 + two_inv_s2 − ρ·inv_s4).
struct RbfConstants {
  double half_inv_s2, inv_s2, inv_s4, two_inv_s2;
};

#ifdef SS_KSD_AVX2
using simd::exp_nonpositive;  // degree 13: full double precision

// Sum of RBF u_ij over the pairs of one tile, 4 pairs per step (AVX2 + FMA).
double rbf_tile(const detail::SoaPoints& p, const RbfConstants& k, int i0, int i1, int j0, int j1,
                bool same_block) {
  const __m256d neg_half = _mm256_set1_pd(-k.half_inv_s2), inv_s2 = _mm256_set1_pd(k.inv_s2);
  const __m256d inv_s4 = _mm256_set1_pd(k.inv_s4), two_inv_s2 = _mm256_set1_pd(k.two_inv_s2);
  const __m256i lane = _mm256_set_epi64x(3, 2, 1, 0);
  __m256d acc = _mm256_setzero_pd();
  const double *px = p.x.data(), *py = p.y.data(), *psx = p.sx.data(), *psy = p.sy.data();
  for (int i = i0; i < i1; ++i) {
    const __m256d xi = _mm256_set1_pd(px[i]), yi = _mm256_set1_pd(py[i]);
    const __m256d sxi = _mm256_set1_pd(psx[i]), syi = _mm256_set1_pd(psy[i]);
    const int js = same_block ? i + 1 : j0;
    for (int j = js; j < j1; j += 4) {
      const __m256d dx = _mm256_sub_pd(xi, _mm256_loadu_pd(px + j));
      const __m256d dy = _mm256_sub_pd(yi, _mm256_loadu_pd(py + j));
      const __m256d sxj = _mm256_loadu_pd(psx + j), syj = _mm256_loadu_pd(psy + j);
      const __m256d rho = _mm256_fmadd_pd(dx, dx, _mm256_mul_pd(dy, dy));
      const __m256d kernel = exp_nonpositive(_mm256_mul_pd(neg_half, rho));
      const __m256d dot = _mm256_fmadd_pd(sxi, sxj, _mm256_mul_pd(syi, syj));
      const __m256d cross =
          _mm256_fmadd_pd(_mm256_sub_pd(sxi, sxj), dx, _mm256_mul_pd(_mm256_sub_pd(syi, syj), dy));
      const __m256d bracket = _mm256_fnmadd_pd(
          rho, inv_s4, _mm256_add_pd(_mm256_fmadd_pd(cross, inv_s2, dot), two_inv_s2));
      __m256d u = _mm256_mul_pd(kernel, bracket);
      if (j + 4 > j1) {
        const __m256i keep = _mm256_cmpgt_epi64(_mm256_set1_epi64x(j1 - j), lane);
        u = _mm256_and_pd(u, _mm256_castsi256_pd(keep));
      }
      acc = _mm256_add_pd(acc, u);
    }
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, acc);
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}
#else
// Portable version (std::exp), same 4-lane accumulation structure.
double rbf_tile(const detail::SoaPoints& p, const RbfConstants& k, int i0, int i1, int j0, int j1,
                bool same_block) {
  double acc[4] = {0, 0, 0, 0};
  for (int i = i0; i < i1; ++i) {
    const double xi = p.x[i], yi = p.y[i], sxi = p.sx[i], syi = p.sy[i];
    const int js = same_block ? i + 1 : j0;
    for (int j = js; j < j1; ++j) {
      const double dx = xi - p.x[j], dy = yi - p.y[j];
      const double rho = dx * dx + dy * dy;
      const double kernel = std::exp(-k.half_inv_s2 * rho);
      const double dot = sxi * p.sx[j] + syi * p.sy[j];
      const double cross = (sxi - p.sx[j]) * dx + (syi - p.sy[j]) * dy;
      acc[(j - js) & 3] += kernel * (dot + cross * k.inv_s2 + k.two_inv_s2 - rho * k.inv_s4);
    }
  }
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}
#endif

// Σ_i u_ii and Σ_{i<j} u_ij → statistics.
KsdStatistics finish(int n, double diag_sum, double upper_sum) {
  KsdStatistics s;
  s.n = n;
  const double dn = n;
  s.v = (diag_sum + 2.0 * upper_sum) / (dn * dn);
  s.u = n >= 2 ? 2.0 * upper_sum / (dn * (dn - 1.0)) : kNaN;
  return s;
}

KsdStatistics nan_statistics(int n) {
  return {kNaN, kNaN, n};
}

}  // namespace

double stein_kernel_imq(const Vec2& x, const Vec2& y, const Vec2& sx, const Vec2& sy,
                        const ImqKernel& kernel) {
  const Vec2 r = x - y;
  const double c2 = kernel.c * kernel.c, inv_l2 = 1.0 / (kernel.length_scale * kernel.length_scale);
  const double q = c2 + r.squaredNorm() * inv_l2;
  const double a = 1.0 / std::sqrt(q);
  const double b = a / q;
  return a * sx.dot(sy) + b * inv_l2 * ((sx - sy).dot(r) + 3.0 * c2 / q - 1.0);
}

double stein_kernel_rbf(const Vec2& x, const Vec2& y, const Vec2& sx, const Vec2& sy,
                        double bandwidth) {
  const Vec2 r = x - y;
  const double rho = r.squaredNorm(), inv_s2 = 1.0 / (bandwidth * bandwidth);
  const double k = std::exp(-0.5 * rho * inv_s2);
  return k * (sx.dot(sy) + (sx - sy).dot(r) * inv_s2 + 2.0 * inv_s2 - rho * inv_s2 * inv_s2);
}

KsdStatistics ksd_imq(const Points& x, const Points& scores, const ImqKernel& kernel) {
  check_inputs(x, scores);
  if (!(kernel.c > 0) || !std::isfinite(kernel.c))
    throw std::invalid_argument("ksd_imq: c: must be a finite number > 0");
  if (!(kernel.length_scale > 0) || !std::isfinite(kernel.length_scale))
    throw std::invalid_argument("ksd_imq: length_scale: must be a finite number > 0");
  const int n = static_cast<int>(x.rows());
  if (!all_finite(x, scores)) return nan_statistics(n);

  const double c = kernel.c, c2 = c * c, inv_l2 = 1.0 / (kernel.length_scale * kernel.length_scale);
  const ImqConstants k{c2, inv_l2, 3.0 * c2};
  const detail::SoaPoints p = to_soa(x, scores);
  double diag_sum = 0.0;
  const double diag_const = 2.0 * inv_l2 / (c2 * c);
  for (int i = 0; i < n; ++i) diag_sum += (p.sx[i] * p.sx[i] + p.sy[i] * p.sy[i]) / c + diag_const;
  const double upper_sum =
      detail::symmetric_pair_sum(n, [&](int i0, int i1, int j0, int j1, bool same) {
        return imq_tile(p, k, i0, i1, j0, j1, same);
      });
  return finish(n, diag_sum, upper_sum);
}

double ksd2_imq(const Points& x, const Points& scores) {
  return ksd_imq(x, scores).v;
}

KsdStatistics ksd_rbf(const Points& x, const Points& scores, double bandwidth) {
  check_inputs(x, scores);
  if (!(bandwidth > 0) || !std::isfinite(bandwidth))
    throw std::invalid_argument("ksd_rbf: bandwidth: must be a finite number > 0");
  const int n = static_cast<int>(x.rows());
  if (!all_finite(x, scores)) return nan_statistics(n);

  const double inv_s2 = 1.0 / (bandwidth * bandwidth), half_inv_s2 = 0.5 * inv_s2;
  const double inv_s4 = inv_s2 * inv_s2, two_inv_s2 = 2.0 * inv_s2;
  const detail::SoaPoints p = to_soa(x, scores);
  double diag_sum = 0.0;
  for (int i = 0; i < n; ++i) diag_sum += p.sx[i] * p.sx[i] + p.sy[i] * p.sy[i] + two_inv_s2;
  const RbfConstants k{half_inv_s2, inv_s2, inv_s4, two_inv_s2};
  auto tile = [&](int i0, int i1, int j0, int j1, bool same) {
    return rbf_tile(p, k, i0, i1, j0, j1, same);
  };
  const double upper_sum = detail::symmetric_pair_sum(n, tile);
  return finish(n, diag_sum, upper_sum);
}

double rbf_bandwidth_from_samples(const Points& reference, int max_points) {
  const int n = static_cast<int>(std::min<Eigen::Index>(reference.rows(), std::max(2, max_points)));
  if (n < 2)
    throw std::invalid_argument("rbf_bandwidth_from_samples: reference: need at least 2 rows");
  if (!reference.topRows(n).allFinite())
    throw std::invalid_argument("rbf_bandwidth_from_samples: reference: non-finite coordinates");
  std::vector<double> d;
  d.reserve(static_cast<size_t>(n) * (n - 1) / 2);
  double total = 0.0;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      const double dist = (reference.row(i) - reference.row(j)).norm();
      d.push_back(dist);
      total += dist;
    }
  // Median of the pair distances (mean of the two middle values when the count is even).
  const size_t m = d.size() / 2;
  std::nth_element(d.begin(), d.begin() + m, d.end());
  double median = d[m];
  if (d.size() % 2 == 0) median = 0.5 * (median + *std::max_element(d.begin(), d.begin() + m));
  if (median > 0) return median;
  const double mean = total / static_cast<double>(d.size());
  if (mean > 0) return mean;
  throw std::invalid_argument("rbf_bandwidth_from_samples: reference: all rows coincide");
}

}  // namespace ss
