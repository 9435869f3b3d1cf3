// Tests of app/plot/canvas_view.cpp: equal aspect, round trips, zoom about the mouse, panning.
#include "app/plot/canvas_view.h"

#include <gtest/gtest.h>

namespace ss::plot {

TEST(CanvasView, EqualAspectOnAWideCanvas) {
  CanvasView v;
  v.fit(Box{-4, 4, -4, 4});
  const CanvasTransform t = make_transform(v, ImVec2(0, 0), ImVec2(800, 400));
  // A unit step in x and in y covers the same number of pixels: circles stay round.
  const ImVec2 o = t.to_screen(0, 0), ex = t.to_screen(1, 0), ey = t.to_screen(0, 1);
  EXPECT_FLOAT_EQ(ex.x - o.x, o.y - ey.y);
  // The whole box fits vertically (the shorter side).
  EXPECT_GE(t.to_screen(0, 4).y, 0.0f);
  EXPECT_LE(t.to_screen(0, -4).y, 400.0f);
}

TEST(CanvasView, RoundTrip) {
  CanvasView v{1.5, -2, 3};
  const CanvasTransform t = make_transform(v, ImVec2(100, 50), ImVec2(500, 350));
  const Vec2 w = t.to_world(t.to_screen(0.3, 0.7));
  EXPECT_NEAR(w.x(), 0.3, 1e-4);
  EXPECT_NEAR(w.y(), 0.7, 1e-4);
}

TEST(CanvasView, ZoomKeepsThePointUnderTheMouse) {
  CanvasView v;
  const CanvasTransform t = make_transform(v, ImVec2(0, 0), ImVec2(400, 400));
  const ImVec2 mouse(300, 120);
  const Vec2 before = t.to_world(mouse);
  zoom_at(v, t, mouse, 2.0);
  EXPECT_NEAR(v.half_extent, 2.0, 1e-12);
  const CanvasTransform t2 = make_transform(v, ImVec2(0, 0), ImVec2(400, 400));
  const Vec2 after = t2.to_world(mouse);
  EXPECT_NEAR(after.x(), before.x(), 1e-6);
  EXPECT_NEAR(after.y(), before.y(), 1e-6);
}

TEST(CanvasView, PanFollowsTheMouse) {
  CanvasView v;
  const CanvasTransform t = make_transform(v, ImVec2(0, 0), ImVec2(400, 400));
  const Vec2 grabbed = t.to_world(ImVec2(200, 200));
  pan_by(v, t, ImVec2(50, -20));
  const CanvasTransform t2 = make_transform(v, ImVec2(0, 0), ImVec2(400, 400));
  const Vec2 under = t2.to_world(ImVec2(250, 180));
  EXPECT_NEAR(under.x(), grabbed.x(), 1e-9);
  EXPECT_NEAR(under.y(), grabbed.y(), 1e-9);
}

TEST(CanvasView, FitUsesTheCanvasShape) {
  // A box 8 wide and 2 tall in a canvas 4 times wider than tall: the width fills the canvas.
  CanvasView v;
  v.fit(Box{-4, 4, -1, 1}, 4.0);
  const CanvasTransform t = make_transform(v, ImVec2(0, 0), ImVec2(800, 200));
  const Box vis = t.visible_box();
  EXPECT_NEAR(vis.xmax - vis.xmin, 8 * 1.02, 1e-9);
  EXPECT_GE(vis.ymax - vis.ymin, 2.0);
  // The old square fit would have shown 4x as much height, a quarter of the width used.
  CanvasView square;
  square.fit(Box{-4, 4, -1, 1});
  EXPECT_GT(square.half_extent, 3.9);
}

}  // namespace ss::plot
