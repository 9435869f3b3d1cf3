#include "core/samplers/svgd_kernel.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/common/simd_exp.h"
#ifdef SS_HAVE_SIMD_EXP
#define SS_SVGD_AVX2 1
#endif

namespace ss {

namespace {

#ifdef SS_SVGD_AVX2
// The kernel's exponentials at polynomial degree 12: truncation 2.4e-16 relative (simd_exp.h),
// one FMA cheaper than the default 13 in the n² inner loop.
constexpr int kExpDegree = 12;
using simd::hsum;
#endif

constexpr int kChunk = 256;                    // j-block length of the vectorized inner loops
constexpr std::int64_t kDirectSelect = 60000;  // pairs up to which all pairs are selected directly
constexpr int kRowBlocks = 64;                 // fixed row blocks of the counting pass

using Chunk = Eigen::Array<double, kChunk, 1>;

std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

void load_soa(const Points& x, SvgdKernelWorkspace& ws) {
  const Eigen::Index n = x.rows();
  ws.xs.resize(n);
  ws.ys.resize(n);
  ws.xs = x.col(0).array();
  ws.ys = x.col(1).array();
}

// Start row of each of `blocks` row blocks so that every block holds about the same number of
// pairs i < j (row i holds n − 1 − i of them). Deterministic in n.
void row_blocks(std::int64_t n, int blocks, std::vector<std::int64_t>& starts) {
  starts.assign(blocks + 1, n);
  const double total = 0.5 * double(n) * double(n - 1);
  std::int64_t row = 0;
  double cum = 0;
  for (int b = 0; b < blocks; ++b) {
    starts[b] = row;
    const double goal = total * (b + 1) / blocks;
    while (row < n && cum < goal) cum += double(n - 1 - row++);
  }
  starts[blocks] = n;
}

// Counting pass: per row block, the number of pair distances below `lo` and the distances inside
// [lo, hi] (branch-free compaction into the block's buffer).
void bracket_pass(SvgdKernelWorkspace& ws, double lo, double hi) {
  const std::vector<std::int64_t>& starts = ws.row_starts;
  const Eigen::Index n = ws.xs.size();
  const int blocks = int(starts.size()) - 1;
  ws.block_candidates.resize(blocks);
  ws.block_below.assign(blocks, 0);
  ws.block_count.assign(blocks, 0);
  tbb::parallel_for(tbb::blocked_range<int>(0, blocks, 1), [&](const tbb::blocked_range<int>& r) {
    for (int b = r.begin(); b != r.end(); ++b) {
      std::vector<double>& buf = ws.block_candidates[b];
      std::int64_t below = 0, count = 0;
      for (std::int64_t i = starts[b]; i < starts[b + 1]; ++i) {
        const double xi = ws.xs[i], yi = ws.ys[i];
        if (std::int64_t(buf.size()) < count + (n - i))
          buf.resize(std::max<std::size_t>(2 * buf.size(), count + (n - i) + kChunk));
        double* out = buf.data();
        Eigen::Index j = i + 1;
#ifdef SS_SVGD_AVX2
        const __m256d vxi = _mm256_set1_pd(xi), vyi = _mm256_set1_pd(yi);
        const __m256d vlo = _mm256_set1_pd(lo), vhi = _mm256_set1_pd(hi);
        alignas(32) double lane[4];
        for (; j + 4 <= n; j += 4) {
          const __m256d dx = _mm256_sub_pd(vxi, _mm256_loadu_pd(&ws.xs[j]));
          const __m256d dy = _mm256_sub_pd(vyi, _mm256_loadu_pd(&ws.ys[j]));
          const __m256d d = _mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dy, dy));
          below += __builtin_popcount(_mm256_movemask_pd(_mm256_cmp_pd(d, vlo, _CMP_LT_OQ)));
          const int in = _mm256_movemask_pd(
              _mm256_and_pd(_mm256_cmp_pd(d, vlo, _CMP_GE_OQ), _mm256_cmp_pd(d, vhi, _CMP_LE_OQ)));
          if (in) {
            _mm256_store_pd(lane, d);
            for (int k = 0; k < 4; ++k)
              if (in >> k & 1) out[count++] = lane[k];
          }
        }
#endif
        for (; j < n; ++j) {
          const double dx = xi - ws.xs[j], dy = yi - ws.ys[j];
          const double v = dx * dx + dy * dy;
          below += v < lo;
          out[count] = v;
          count += (v >= lo) & (v <= hi);
        }
      }
      ws.block_below[b] = below;
      ws.block_count[b] = count;
    }
  });
}

// Values of the pair order statistics qa ≤ qb ≤ qa + 1 (0-based, over the n(n−1)/2 pairs i < j).
void select_pair_ranks(const Points& x, std::int64_t qa, std::int64_t qb, SvgdKernelWorkspace& ws,
                       double& va, double& vb) {
  const std::int64_t n = x.rows();
  const std::int64_t pairs = n * (n - 1) / 2;
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  if (pairs > kDirectSelect) {
    // Bracket the wanted ranks with a deterministic uniform sample of pairs: ~ (2M)^(2/3) draws,
    // bracket = sample ranks ± 4.5 standard deviations of a sample quantile.
    const std::int64_t s = std::clamp<std::int64_t>(
        std::int64_t(std::cbrt(4.0 * double(pairs) * double(pairs))), 4096, 200000);
    ws.pair_sample.resize(s);
    std::uint64_t state = 0x5DEECE66DULL ^ std::uint64_t(n);
    for (std::int64_t k = 0; k < s; ++k) {
      const std::int64_t i = std::int64_t(splitmix(state) % std::uint64_t(n));
      std::int64_t j = std::int64_t(splitmix(state) % std::uint64_t(n - 1));
      if (j >= i) ++j;
      const double dx = ws.xs[i] - ws.xs[j], dy = ws.ys[i] - ws.ys[j];
      ws.pair_sample[k] = dx * dx + dy * dy;
    }
    const double fa = (double(qa) + 0.5) / double(pairs), fb = (double(qb) + 0.5) / double(pairs);
    const double sda = std::sqrt(double(s) * fa * (1 - fa)) + 1;
    const double sdb = std::sqrt(double(s) * fb * (1 - fb)) + 1;
    const std::int64_t rl = std::int64_t(std::floor(double(s) * fa - 4.5 * sda - 1));
    const std::int64_t ru = std::int64_t(std::ceil(double(s) * fb + 4.5 * sdb + 1));
    auto first = ws.pair_sample.begin();
    if (rl >= 0) {
      std::nth_element(first, first + rl, ws.pair_sample.end());
      lo = first[rl];
    }
    if (ru < s) {
      const std::int64_t from = std::max<std::int64_t>(rl + 1, 0);
      std::nth_element(first + from, first + ru, ws.pair_sample.end());
      hi = first[ru];
    }
  }
  const int blocks = int(std::min<std::int64_t>(kRowBlocks, std::max<std::int64_t>(n - 1, 1)));
  row_blocks(n, blocks, ws.row_starts);
  for (int attempt = 0; attempt < 2; ++attempt) {
    bracket_pass(ws, lo, hi);
    std::int64_t below = 0, count = 0;
    for (int b = 0; b < blocks; ++b) below += ws.block_below[b], count += ws.block_count[b];
    if (below <= qa && qb < below + count) {
      ws.candidates.resize(count);
      std::int64_t at = 0;
      for (int b = 0; b < blocks; ++b) {
        std::copy_n(ws.block_candidates[b].begin(), ws.block_count[b], ws.candidates.begin() + at);
        at += ws.block_count[b];
      }
      auto first = ws.candidates.begin();
      std::nth_element(first, first + (qa - below), ws.candidates.end());
      va = first[qa - below];
      vb = qb == qa ? va : *std::min_element(first + (qa - below) + 1, ws.candidates.end());
      return;
    }
    ++ws.bracket_misses;
    lo = -std::numeric_limits<double>::infinity();
    hi = std::numeric_limits<double>::infinity();
  }
  throw std::logic_error("median_squared_distance: selection failed (non-finite distances?)");
}

#ifdef SS_SVGD_AVX2
constexpr int kTile = 128;  // rows per block of the symmetric pass

// Symmetric fused pass: every unordered pair of different row blocks is computed once (one exp per
// pair), adding its terms to both rows; diagonal blocks use full rows. Each tile writes its own
// partial sums (gx, gy, dx, dy per row, for both of its blocks); the partials of a row are then
// added in a fixed tile order, so the result does not depend on the number of threads.
void symmetric_direction(SvgdKernelWorkspace& ws, Eigen::Index n, double neg_inv_2h2, double inv_h2,
                         double inv_n, Points& phi) {
  const int blocks = int((n + kTile - 1) / kTile);
  const int tiles = blocks * (blocks + 1) / 2;
  const std::size_t per_tile = 2 * 4 * kTile;
  if (ws.tile_partials.size() < std::size_t(tiles) * per_tile)
    ws.tile_partials.resize(std::size_t(tiles) * per_tile);
  auto tile_index = [blocks](int bi, int bj) {
    return bi * blocks - bi * (bi - 1) / 2 + (bj - bi);
  };
  tbb::parallel_for(tbb::blocked_range<int>(0, tiles, 1), [&](const tbb::blocked_range<int>& r) {
    const __m256d scale = _mm256_set1_pd(neg_inv_2h2);
    for (int t = r.begin(); t != r.end(); ++t) {
      int bi = 0, rem = t;
      while (rem >= blocks - bi) rem -= blocks - bi, ++bi;
      const int bj = bi + rem;
      double* out = ws.tile_partials.data() + std::size_t(t) * per_tile;
      double* side0 = out;              // rows of bi: gx[kTile], gy, dx, dy
      double* side1 = out + 4 * kTile;  // rows of bj
      const Eigen::Index i0 = Eigen::Index(bi) * kTile, i1 = std::min<Eigen::Index>(n, i0 + kTile);
      const Eigen::Index j0 = Eigen::Index(bj) * kTile, j1 = std::min<Eigen::Index>(n, j0 + kTile);
      const Eigen::Index jn = j1 - j0;
      if (bi != bj) std::fill(side1, side1 + 4 * kTile, 0.0);
      for (Eigen::Index i = i0; i < i1; ++i) {
        const double xi = ws.xs[i], yi = ws.ys[i], gxi = ws.gxs[i], gyi = ws.gys[i];
        const __m256d vxi = _mm256_set1_pd(xi), vyi = _mm256_set1_pd(yi);
        const __m256d vgxi = _mm256_set1_pd(gxi), vgyi = _mm256_set1_pd(gyi);
        __m256d a_gx = _mm256_setzero_pd(), a_gy = a_gx, a_dx = a_gx, a_dy = a_gx;
        Eigen::Index k = 0;
        for (; k + 4 <= jn; k += 4) {
          const Eigen::Index j = j0 + k;
          const __m256d dx = _mm256_sub_pd(vxi, _mm256_loadu_pd(&ws.xs[j]));
          const __m256d dy = _mm256_sub_pd(vyi, _mm256_loadu_pd(&ws.ys[j]));
          const __m256d d = _mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dy, dy));
          const __m256d e = simd::exp_nonpositive<kExpDegree>(_mm256_mul_pd(d, scale));
          a_gx = _mm256_fmadd_pd(e, _mm256_loadu_pd(&ws.gxs[j]), a_gx);
          a_gy = _mm256_fmadd_pd(e, _mm256_loadu_pd(&ws.gys[j]), a_gy);
          a_dx = _mm256_fmadd_pd(e, dx, a_dx);
          a_dy = _mm256_fmadd_pd(e, dy, a_dy);
          if (bi != bj) {
            double* p = side1 + k;
            _mm256_storeu_pd(p, _mm256_fmadd_pd(e, vgxi, _mm256_loadu_pd(p)));
            _mm256_storeu_pd(p + kTile, _mm256_fmadd_pd(e, vgyi, _mm256_loadu_pd(p + kTile)));
            _mm256_storeu_pd(p + 2 * kTile,
                             _mm256_fnmadd_pd(e, dx, _mm256_loadu_pd(p + 2 * kTile)));
            _mm256_storeu_pd(p + 3 * kTile,
                             _mm256_fnmadd_pd(e, dy, _mm256_loadu_pd(p + 3 * kTile)));
          }
        }
        double s_gx = hsum(a_gx), s_gy = hsum(a_gy), s_dx = hsum(a_dx), s_dy = hsum(a_dy);
        for (; k < jn; ++k) {
          const Eigen::Index j = j0 + k;
          const double dx = xi - ws.xs[j], dy = yi - ws.ys[j];
          const double e = std::exp((dx * dx + dy * dy) * neg_inv_2h2);
          s_gx += e * ws.gxs[j];
          s_gy += e * ws.gys[j];
          s_dx += e * dx;
          s_dy += e * dy;
          if (bi != bj) {
            side1[k] += e * gxi;
            side1[k + kTile] += e * gyi;
            side1[k + 2 * kTile] -= e * dx;
            side1[k + 3 * kTile] -= e * dy;
          }
        }
        const Eigen::Index li = i - i0;
        side0[li] = s_gx, side0[li + kTile] = s_gy, side0[li + 2 * kTile] = s_dx,
        side0[li + 3 * kTile] = s_dy;
      }
    }
  });
  tbb::parallel_for(tbb::blocked_range<int>(0, blocks, 1), [&](const tbb::blocked_range<int>& r) {
    for (int b = r.begin(); b != r.end(); ++b) {
      const Eigen::Index i0 = Eigen::Index(b) * kTile, i1 = std::min<Eigen::Index>(n, i0 + kTile);
      for (Eigen::Index i = i0; i < i1; ++i) {
        const Eigen::Index li = i - i0;
        double s[4] = {0, 0, 0, 0};
        for (int other = 0; other < blocks; ++other) {
          const double* part =
              other < b ? ws.tile_partials.data() + std::size_t(tile_index(other, b)) * per_tile +
                              4 * kTile
                        : ws.tile_partials.data() + std::size_t(tile_index(b, other)) * per_tile;
          for (int c = 0; c < 4; ++c) s[c] += part[li + c * kTile];
        }
        phi(i, 0) = (s[0] + s[2] * inv_h2) * inv_n;
        phi(i, 1) = (s[1] + s[3] * inv_h2) * inv_n;
      }
    }
  });
}
#endif

}  // namespace

double median_squared_distance(const Points& x, SvgdKernelWorkspace& ws) {
  const std::int64_t n = x.rows();
  if (n <= 1) return 0.0;
  if (!x.allFinite()) return std::numeric_limits<double>::quiet_NaN();
  load_soa(x, ws);
  // Positions of the median in the sorted n² multiset (n zeros, then every pair value twice).
  const std::int64_t total = n * n;
  const std::int64_t p1 = total % 2 ? total / 2 : total / 2 - 1;
  const std::int64_t p2 = total / 2;
  if (p2 < n) return 0.0;  // both middle positions fall on diagonal zeros
  const std::int64_t q2 = (p2 - n) / 2;
  const std::int64_t q1 = p1 < n ? q2 : (p1 - n) / 2;
  double v1 = 0, v2 = 0;
  select_pair_ranks(x, q1, q2, ws, v1, v2);
  if (p1 < n) v1 = 0.0;
  return p1 == p2 ? v2 : 0.5 * (v1 + v2);
}

double svgd_median_bandwidth2(const Points& x, SvgdKernelWorkspace& ws) {
  const Eigen::Index n = x.rows();
  if (n == 0) throw std::invalid_argument("svgd bandwidth: no particles");
  double m = median_squared_distance(x, ws);
  if (std::isnan(m)) return m;
  if (m <= 0 && n > 1) {
    // Guard: more than half of the pairs coincide; use the mean pair distance instead.
    double sum = 0;
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = i + 1; j < n; ++j) sum += (x.row(i) - x.row(j)).squaredNorm();
    m = sum / (0.5 * double(n) * double(n - 1));
  }
  const double floor = 1e-12 * (1.0 + x.rowwise().squaredNorm().maxCoeff());
  return std::max(0.5 * m / std::log(double(n) + 1.0), floor);
}

double svgd_direction(const Points& x, const Points& g, double fixed_h2, SvgdKernelWorkspace& ws,
                      Points& phi) {
  const Eigen::Index n = x.rows();
  if (n == 0) throw std::invalid_argument("svgd_direction: no particles");
  if (g.rows() != n)
    throw std::invalid_argument("svgd_direction: scores and particles differ in count");
  const double h2 = fixed_h2 > 0 ? fixed_h2 : svgd_median_bandwidth2(x, ws);
  load_soa(x, ws);
  ws.gxs.resize(n);
  ws.gys.resize(n);
  ws.gxs = g.col(0).array();
  ws.gys = g.col(1).array();
  if (phi.rows() != n) phi.resize(n, 2);
  const double neg_inv_2h2 = -0.5 / h2, inv_h2 = 1.0 / h2, inv_n = 1.0 / double(n);
#ifdef SS_SVGD_AVX2
  if (n >= 2 * kTile) {
    symmetric_direction(ws, n, neg_inv_2h2, inv_h2, inv_n, phi);
    return h2;
  }
  auto rows = [&](const tbb::blocked_range<Eigen::Index>& r) {
    const __m256d scale = _mm256_set1_pd(neg_inv_2h2);
    for (Eigen::Index i = r.begin(); i != r.end(); ++i) {
      const double xi = ws.xs[i], yi = ws.ys[i];
      const __m256d vxi = _mm256_set1_pd(xi), vyi = _mm256_set1_pd(yi);
      __m256d a_gx = _mm256_setzero_pd(), a_gy = a_gx, a_dx = a_gx, a_dy = a_gx;
      Eigen::Index j = 0;
      for (; j + 4 <= n; j += 4) {
        const __m256d dx = _mm256_sub_pd(vxi, _mm256_loadu_pd(&ws.xs[j]));
        const __m256d dy = _mm256_sub_pd(vyi, _mm256_loadu_pd(&ws.ys[j]));
        const __m256d d = _mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dy, dy));
        const __m256d e = simd::exp_nonpositive<kExpDegree>(_mm256_mul_pd(d, scale));
        a_gx = _mm256_fmadd_pd(e, _mm256_loadu_pd(&ws.gxs[j]), a_gx);
        a_gy = _mm256_fmadd_pd(e, _mm256_loadu_pd(&ws.gys[j]), a_gy);
        a_dx = _mm256_fmadd_pd(e, dx, a_dx);
        a_dy = _mm256_fmadd_pd(e, dy, a_dy);
      }
      double s_gx = hsum(a_gx), s_gy = hsum(a_gy), s_dx = hsum(a_dx), s_dy = hsum(a_dy);
      for (; j < n; ++j) {
        const double dx = xi - ws.xs[j], dy = yi - ws.ys[j];
        const double e = std::exp((dx * dx + dy * dy) * neg_inv_2h2);
        s_gx += e * ws.gxs[j];
        s_gy += e * ws.gys[j];
        s_dx += e * dx;
        s_dy += e * dy;
      }
      phi(i, 0) = (s_gx + s_dx * inv_h2) * inv_n;
      phi(i, 1) = (s_gy + s_dy * inv_h2) * inv_n;
    }
  };
#else
  auto rows = [&](const tbb::blocked_range<Eigen::Index>& r) {
    Chunk dx, dy, e, a_gx, a_gy, a_dx, a_dy;
    for (Eigen::Index i = r.begin(); i != r.end(); ++i) {
      const double xi = ws.xs[i], yi = ws.ys[i];
      a_gx.setZero();
      a_gy.setZero();
      a_dx.setZero();
      a_dy.setZero();
      Eigen::Index j0 = 0;
      for (; j0 + kChunk <= n; j0 += kChunk) {
        dx = xi - ws.xs.segment<kChunk>(j0);
        dy = yi - ws.ys.segment<kChunk>(j0);
        e = ((dx.square() + dy.square()) * neg_inv_2h2).exp();
        a_gx += e * ws.gxs.segment<kChunk>(j0);
        a_gy += e * ws.gys.segment<kChunk>(j0);
        a_dx += e * dx;
        a_dy += e * dy;
      }
      if (j0 < n) {
        const Eigen::Index len = n - j0;
        dx.head(len) = xi - ws.xs.segment(j0, len);
        dy.head(len) = yi - ws.ys.segment(j0, len);
        e.head(len) = ((dx.head(len).square() + dy.head(len).square()) * neg_inv_2h2).exp();
        a_gx.head(len) += e.head(len) * ws.gxs.segment(j0, len);
        a_gy.head(len) += e.head(len) * ws.gys.segment(j0, len);
        a_dx.head(len) += e.head(len) * dx.head(len);
        a_dy.head(len) += e.head(len) * dy.head(len);
      }
      phi(i, 0) = (a_gx.sum() + a_dx.sum() * inv_h2) * inv_n;
      phi(i, 1) = (a_gy.sum() + a_dy.sum() * inv_h2) * inv_n;
    }
  };
#endif
  if (n < 64)
    rows(tbb::blocked_range<Eigen::Index>(0, n));
  else
    tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, n, 8), rows);
  return h2;
}

}  // namespace ss
