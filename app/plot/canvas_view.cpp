#include "app/plot/canvas_view.h"

#include <algorithm>
#include <cmath>

namespace ss::plot {

void CanvasView::fit(const Box& box, double aspect) {
  center_x = 0.5 * (box.xmin + box.xmax);
  center_y = 0.5 * (box.ymin + box.ymax);
  if (!(aspect > 0) || !std::isfinite(aspect)) aspect = 1;
  // half_extent is the distance to the nearer edge: the height's half on a wide canvas, the
  // width's half on a tall one.
  half_extent = aspect >= 1 ? 0.5 * std::max(box.height(), box.width() / aspect)
                            : 0.5 * std::max(box.width(), box.height() * aspect);
  half_extent *= 1.02;
  if (!(half_extent > 0)) half_extent = 1;
}

ImVec2 CanvasTransform::to_screen(double x, double y) const {
  const double mx = 0.5 * (min.x + max.x), my = 0.5 * (min.y + max.y);
  return ImVec2(float(mx + (x - center_x) * scale), float(my - (y - center_y) * scale));
}

Vec2 CanvasTransform::to_world(ImVec2 p) const {
  const double mx = 0.5 * (min.x + max.x), my = 0.5 * (min.y + max.y);
  return Vec2(center_x + (p.x - mx) / scale, center_y - (p.y - my) / scale);
}

Box CanvasTransform::visible_box() const {
  const Vec2 a = to_world(min), b = to_world(max);
  return Box{a.x(), b.x(), b.y(), a.y()};
}

CanvasTransform make_transform(const CanvasView& view, ImVec2 min, ImVec2 max) {
  CanvasTransform t;
  t.min = min, t.max = max;
  t.center_x = view.center_x, t.center_y = view.center_y;
  const double side = std::min(max.x - min.x, max.y - min.y);
  t.scale = side > 0 && view.half_extent > 0 ? 0.5 * side / view.half_extent : 1.0;
  return t;
}

void zoom_at(CanvasView& view, const CanvasTransform& t, ImVec2 mouse, double factor) {
  if (!(factor > 0)) return;
  const Vec2 w = t.to_world(mouse);
  const double h = std::clamp(view.half_extent / factor, 1e-3, 1e4);
  const double f = view.half_extent / h;  // effective factor after clamping
  view.center_x = w.x() + (view.center_x - w.x()) / f;
  view.center_y = w.y() + (view.center_y - w.y()) / f;
  view.half_extent = h;
}

void pan_by(CanvasView& view, const CanvasTransform& t, ImVec2 delta) {
  view.center_x -= delta.x / t.scale;
  view.center_y += delta.y / t.scale;
}

}  // namespace ss::plot
