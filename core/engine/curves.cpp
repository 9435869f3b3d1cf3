#include "core/engine/curves.h"

#include <algorithm>

namespace ss {

void append_decimated(Curve& curve, const CurvePoint& point, int max_points) {
  curve.push_back(point);
  if (max_points <= 0) return;
  const size_t cap = static_cast<size_t>(std::max(4, max_points));
  if (curve.size() <= cap) return;
  const size_t keep_exact = cap / 2;
  const size_t old_count = curve.size() - keep_exact;
  size_t write = 0;
  for (size_t read = 0; read < old_count; read += 2) curve[write++] = curve[read];
  for (size_t read = old_count; read < curve.size(); ++read) curve[write++] = curve[read];
  curve.resize(write);
}

}  // namespace ss
