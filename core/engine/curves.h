// Memory-bounded metric curves: appending keeps a curve below a point cap by thinning its older
// part evenly, so a run of a billion passes costs the same memory as a short one, the whole
// history stays drawn at an even density, and the recent history (what a live plot zooms into)
// stays exact.
#pragma once

#include <cstdint>
#include <vector>

#include "core/engine/snapshot.h"

namespace ss {

/// What append_decimated() remembers about a curve: how many points were ever appended, the
/// current stride of the thinned part, and the ordinal (0, 1, 2, ... in append order) of every
/// point kept.
struct CurveThinning {
  std::uint64_t appended = 0;
  std::uint64_t stride = 1;
  std::vector<std::uint64_t> ordinals;
};

/// Appends `point` to `curve`. When max_points > 0 and the curve then holds more than max_points
/// points, it is thinned: the newest max_points/2 points stay exact, and of the older ones only
/// those whose ordinal is a multiple of a stride are kept, the stride doubling until at most
/// max_points/4 older points remain (so ≤ 3/4 · max_points after a thinning, and O(1) amortized
/// per append). The older part therefore spans the whole history evenly — every stride-th point
/// from the very first (which is always kept) — instead of thinning the oldest points most.
/// max_points ≤ 0 keeps every point; max_points in [1, 3] behaves like 4. Returns true when it
/// thinned (points before the new one changed), false for a plain append.
bool append_decimated(CurvePoints& curve, const CurvePoint& point, int max_points,
                      CurveThinning& thinning);

/// Publishes a growing CurvePoints as Curve snapshots that share their full chunks: publish()
/// copies only the points after the last full chunk (< Curve::kChunk) plus, once, each newly
/// filled chunk; after a thinning (invalidate()) the next publish() copies everything once.
class CurvePublisher {
 public:
  /// The points before the newest one changed (a thinning): forget the sealed chunks.
  void invalidate() { sealed_.clear(); }
  /// A Curve equal to `points` (which must have only grown at the end since the last call,
  /// unless invalidate() was called).
  Curve publish(const CurvePoints& points);

 private:
  std::vector<std::shared_ptr<const Curve::Chunk>> sealed_;  // full chunks, from the start
};

}  // namespace ss
