// Internal to core/metrics: deterministic, TBB-parallel sums over pairs of points.
//
// The index range [0, n) is cut into blocks whose size depends only on n (never on the number of
// threads). A "tile" is a pair of blocks; each tile's sum is computed by one task into its own
// slot, and the slots are added serially in tile order. So the result is bit-for-bit the same for
// any number of threads, while the caller's tile function is free to vectorize inside a tile.
// Memory: one double per tile (at most kMaxBlocks² / 2 of them), independent of n².
#pragma once

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <vector>

namespace ss::detail {

/// Upper bound on the number of blocks per index range (keeps the partial-sum array small).
inline constexpr int kMaxBlocks = 48;

/// Block size for n points: at least 128, a multiple of 16, and at most kMaxBlocks blocks.
inline int pair_block_size(int n) {
  int b = (n + kMaxBlocks - 1) / kMaxBlocks;
  b = (b + 15) / 16 * 16;
  return std::max(128, b);
}

/// Σ over tiles (I, J) with I ≤ J of tile(i0, i1, j0, j1, same_block), where same_block means
/// I == J and the tile must only count pairs i < j. Returns the serial sum of the tile sums.
template <class Tile>
double symmetric_pair_sum(int n, const Tile& tile) {
  if (n < 2) return 0.0;
  const int block = pair_block_size(n);
  const int blocks = (n + block - 1) / block;
  std::vector<std::pair<int, int>> tiles;
  tiles.reserve(static_cast<size_t>(blocks) * (blocks + 1) / 2);
  for (int bi = 0; bi < blocks; ++bi)
    for (int bj = bi; bj < blocks; ++bj) tiles.emplace_back(bi, bj);
  std::vector<double> partial(tiles.size(), 0.0);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, tiles.size(), 1),
                    [&](const tbb::blocked_range<size_t>& r) {
                      for (size_t t = r.begin(); t != r.end(); ++t) {
                        const int bi = tiles[t].first, bj = tiles[t].second;
                        const int i0 = bi * block, i1 = std::min(n, i0 + block);
                        const int j0 = bj * block, j1 = std::min(n, j0 + block);
                        partial[t] = tile(i0, i1, j0, j1, bi == bj);
                      }
                    });
  double sum = 0.0;
  for (double p : partial) sum += p;
  return sum;
}

/// Σ over all tiles of [0, n) × [0, m) of tile(i0, i1, j0, j1), same determinism as above.
template <class Tile>
double cross_pair_sum(int n, int m, const Tile& tile) {
  if (n < 1 || m < 1) return 0.0;
  const int block_n = pair_block_size(n), block_m = pair_block_size(m);
  const int blocks_n = (n + block_n - 1) / block_n, blocks_m = (m + block_m - 1) / block_m;
  const size_t tiles = static_cast<size_t>(blocks_n) * blocks_m;
  std::vector<double> partial(tiles, 0.0);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, tiles, 1),
                    [&](const tbb::blocked_range<size_t>& r) {
                      for (size_t t = r.begin(); t != r.end(); ++t) {
                        const int bi = static_cast<int>(t / blocks_m);
                        const int bj = static_cast<int>(t % blocks_m);
                        const int i0 = bi * block_n, i1 = std::min(n, i0 + block_n);
                        const int j0 = bj * block_m, j1 = std::min(m, j0 + block_m);
                        partial[t] = tile(i0, i1, j0, j1);
                      }
                    });
  double sum = 0.0;
  for (double p : partial) sum += p;
  return sum;
}

/// Structure-of-arrays copy of N×2 points (and optionally their N×2 scores), padded with kPad
/// zero entries so that 4-wide loads past the end stay inside the buffers.
struct SoaPoints {
  static constexpr int kPad = 8;
  std::vector<double> x, y, sx, sy;
  int n = 0;
};

}  // namespace ss::detail
