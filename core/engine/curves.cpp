#include "core/engine/curves.h"

#include <algorithm>

namespace ss {

bool append_decimated(CurvePoints& curve, const CurvePoint& point, int max_points,
                      CurveThinning& thinning) {
  curve.push_back(point);
  thinning.ordinals.push_back(thinning.appended++);
  if (max_points <= 0) return false;
  const size_t cap = static_cast<size_t>(std::max(4, max_points));
  if (curve.size() <= cap) return false;
  const size_t keep_exact = cap / 2, keep_old = cap / 4;
  for (;;) {
    const size_t old_count = curve.size() - keep_exact;
    size_t write = 0;
    for (size_t read = 0; read < curve.size(); ++read) {
      if (read < old_count && thinning.ordinals[read] % thinning.stride != 0) continue;
      curve[write] = curve[read];
      thinning.ordinals[write] = thinning.ordinals[read];
      ++write;
    }
    curve.resize(write);
    thinning.ordinals.resize(write);
    if (curve.size() - keep_exact <= keep_old) break;
    thinning.stride *= 2;
  }
  return true;
}

Curve CurvePublisher::publish(const CurvePoints& points) {
  constexpr size_t C = Curve::kChunk;
  if (sealed_.size() * C > points.size()) sealed_.clear();  // shrank without invalidate()
  while ((sealed_.size() + 1) * C <= points.size()) {
    const auto begin = points.begin() + std::ptrdiff_t(sealed_.size() * C);
    sealed_.push_back(std::make_shared<const Curve::Chunk>(begin, begin + std::ptrdiff_t(C)));
  }
  std::vector<std::shared_ptr<const Curve::Chunk>> chunks;
  chunks.reserve(sealed_.size() + 1);
  chunks = sealed_;
  if (points.size() > sealed_.size() * C)
    chunks.push_back(std::make_shared<const Curve::Chunk>(
        points.begin() + std::ptrdiff_t(sealed_.size() * C), points.end()));
  return Curve(std::move(chunks));
}

}  // namespace ss
