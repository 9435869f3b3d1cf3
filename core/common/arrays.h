// Small array helpers written once (issue 19): the all-finite check and the evenly strided subset
// of a sample set.
//
// all_finite reads entry by entry and stops at the first non-finite one; it takes any Eigen array
// or expression (a row-major Points, a parameter vector, a block) without making a temporary —
// an Eigen::Ref<const Vec> parameter would copy a row-major matrix's reshape into a heap
// temporary — and any contiguous range of doubles.
//
// strided_rows picks n of m rows evenly: rows ⌊k·m/n⌋, k = 0 … n − 1 (the first row always, never
// the same row twice), in integer arithmetic, which equals the floor of the double quotient for
// every n, m below 2²⁶ — the form some callers used before.
#pragma once

#include <cmath>
#include <span>

#include "core/common/types.h"

namespace ss {

/// Whether every entry of `a` is finite (no NaN, no ±inf).
template <class Derived>
bool all_finite(const Eigen::DenseBase<Derived>& a) {
  const Derived& d = a.derived();
  for (Eigen::Index j = 0; j < d.cols(); ++j)
    for (Eigen::Index i = 0; i < d.rows(); ++i)
      if (!std::isfinite(d.coeff(i, j))) return false;
  return true;
}
inline bool all_finite(std::span<const double> values) {
  for (double v : values)
    if (!std::isfinite(v)) return false;
  return true;
}

/// Index of the k-th of n evenly strided picks among m items: ⌊k·m/n⌋ (0 ≤ k < n ≤ m).
inline Eigen::Index strided_index(Eigen::Index k, Eigen::Index m, Eigen::Index n) {
  return k * m / n;
}

/// n evenly strided rows of `from` (m rows) into out: all of them when n ≥ m or n ≤ 0, else rows
/// strided_index(k, m, n), k = 0 … n − 1. out is resized only when its shape differs.
inline void strided_rows(const Points& from, Eigen::Index n, Points& out) {
  const Eigen::Index m = from.rows();
  if (n <= 0 || n >= m) {
    out = from;
    return;
  }
  if (out.rows() != n || out.cols() != from.cols()) out.resize(n, from.cols());
  for (Eigen::Index k = 0; k < n; ++k) out.row(k) = from.row(strided_index(k, m, n));
}

}  // namespace ss
