// Memory-bounded metric curves: appending keeps a curve below a point cap by thinning its older
// part, so a ten-minute run costs the same memory as a one-minute run while the recent history
// (what a live plot zooms into) stays exact.
#pragma once

#include "core/engine/snapshot.h"

namespace ss {

/// Appends `point` to `curve`. When max_points > 0 and the curve then holds more than max_points
/// points, the newest max_points/2 points are kept exactly and the older ones are thinned 2:1
/// (every other point, the first point always kept), leaving about 3/4 · max_points points.
/// Repeated thinning makes the point density fall off geometrically with age. max_points ≤ 0
/// keeps every point; max_points in [1, 3] behaves like 4 (keeps the first and newest points).
/// Returns true when it thinned (points before the new one changed), false for a plain append.
bool append_decimated(CurvePoints& curve, const CurvePoint& point, int max_points);

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
