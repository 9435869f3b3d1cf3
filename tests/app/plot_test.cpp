// Tests of app/plot/plot.cpp: tick generation, ranges, value formatting, and a headless draw.
#include "app/plot/plot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace ss::plot {

TEST(PlotTicks, LinearTicksAreNiceAndCoverTheRange) {
  const Ticks t = linear_ticks(0, 2000, 6);
  ASSERT_GE(t.values.size(), 4u);
  EXPECT_DOUBLE_EQ(t.values.front(), 0);
  EXPECT_DOUBLE_EQ(t.values.back(), 2000);
  const double step = t.values[1] - t.values[0];
  EXPECT_DOUBLE_EQ(step, 500);  // 2000/6 ≈ 333 → nearest 1-2-5 step is 500
  EXPECT_EQ(t.labels[1], "500");
}

TEST(PlotTicks, LinearTicksHaveNoNegativeZero) {
  const Ticks t = linear_ticks(-0.3, 0.3, 6);
  bool has_zero = false;
  for (size_t i = 0; i < t.values.size(); ++i)
    if (t.values[i] == 0) {
      has_zero = true;
      EXPECT_EQ(t.labels[i], "0");
    }
  EXPECT_TRUE(has_zero);
}

TEST(PlotTicks, EmptyOrNonFiniteRangeGivesNoTicks) {
  EXPECT_TRUE(linear_ticks(1, 1, 5).values.empty());
  EXPECT_TRUE(linear_ticks(0, NAN, 5).values.empty());
  EXPECT_TRUE(log_ticks(-1, 10).values.empty());
}

TEST(PlotTicks, LogTicksAreDecades) {
  const Ticks t = log_ticks(1e-4, 1e2);
  ASSERT_EQ(t.values.size(), 7u);
  EXPECT_DOUBLE_EQ(t.values.front(), 1e-4);
  EXPECT_DOUBLE_EQ(t.values.back(), 100);
  EXPECT_EQ(t.labels.front(), "1e-04");
}

TEST(PlotTicks, NarrowLogRangeUsesOneTwoFive) {
  const Ticks t = log_ticks(0.15, 0.9);
  ASSERT_FALSE(t.values.empty());
  for (double v : t.values) EXPECT_TRUE(v >= 0.15 && v <= 0.9) << v;
  EXPECT_DOUBLE_EQ(t.values.front(), 0.2);
}

TEST(PlotRange, FiniteRangeSkipsNonFiniteAndNonPositiveOnLog) {
  const std::vector<double> v = {NAN, -1, 0, 0.5, 4, INFINITY};
  const Range lin = finite_range(v, Scale::Linear);
  EXPECT_DOUBLE_EQ(lin.min, -1);
  EXPECT_DOUBLE_EQ(lin.max, 4);
  const Range lg = finite_range(v, Scale::Log10);
  EXPECT_DOUBLE_EQ(lg.min, 0.5);
  const Range none = finite_range(std::vector<double>{NAN}, Scale::Linear);
  EXPECT_GT(none.min, none.max);
}

TEST(PlotRange, PaddingWidensDegenerateRanges) {
  const Range r = padded(Range{3, 3}, Scale::Linear, 0.05);
  EXPECT_LT(r.min, 3);
  EXPECT_GT(r.max, 3);
  const Range l = padded(Range{0.01, 0.01}, Scale::Log10, 0.05);
  EXPECT_NEAR(l.min, 0.001, 1e-15);
  EXPECT_NEAR(l.max, 0.1, 1e-15);
  EXPECT_NEAR(axis_fraction(0.01, l, Scale::Log10), 0.5, 1e-12);
}

TEST(PlotFormat, CompactLabels) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1500), "1500");
  EXPECT_EQ(format_value(1e-5), "1e-05");
  EXPECT_EQ(format_value(2.5e6), "2.5e+06");
  EXPECT_EQ(format_value(NAN), "nan");
}

// Draws a line plot with log y, a band, an hline, and a bar chart in a headless ImGui frame: the
// ranges must come from the data, and the widgets must add geometry to the draw list.
TEST(PlotHeadless, LinePlotAndBarChartDraw) {
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(800, 600);
  unsigned char* pixels;
  int w, h;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  io.IniFilename = nullptr;
  ImGui::NewFrame();
  ImGui::SetNextWindowSize(ImVec2(700, 500));
  ImGui::Begin("test");
  const int before = ImGui::GetWindowDrawList()->VtxBuffer.Size;
  const std::vector<double> x = {0, 50, 100, 150}, y = {10, 1, 0.1, 0.05};
  const std::vector<double> bx = {0, 150}, lo = {0.01, 0.01}, hi = {0.03, 0.03};
  LinePlotOptions opt;
  opt.title = "KSD";
  opt.y_scale = Scale::Log10;
  LinePlot p("ksd", ImVec2(600, 250), opt);
  p.line("A", series_color(0), x, y);
  p.band("iid", IM_COL32(200, 200, 200, 60), bx, lo, hi);
  p.hline("mean", IM_COL32(255, 255, 255, 255), 0.02);
  const ScreenRect r = p.draw();
  EXPECT_FLOAT_EQ(r.width(), 600);
  EXPECT_LE(p.y_range().min, 0.01);
  EXPECT_GE(p.y_range().max, 10);
  EXPECT_DOUBLE_EQ(p.x_range().min, 0);
  EXPECT_DOUBLE_EQ(p.x_range().max, 150);
  const int after_lines = ImGui::GetWindowDrawList()->VtxBuffer.Size;
  EXPECT_GT(after_lines, before + 100);
  bar_chart(
      "bars", ImVec2(600, 150), "modes", {"1", "2"},
      {{"true", IM_COL32(200, 200, 200, 255), {0.5, 0.5}}, {"A", series_color(0), {0.9, NAN}}},
      "mass");
  EXPECT_GT(ImGui::GetWindowDrawList()->VtxBuffer.Size, after_lines);
  ImGui::End();
  ImGui::Render();
  ImGui::DestroyContext();
}

// Dashes: a straight line of 100 px in a pattern of 8 on, 5 off is drawn in ceil(100/13) = 8
// pieces of 8 px each except the last (100 - 7*13 = 9 > 8: a full 8), 64 px drawn in all; solid
// gives the line back whole; markers and dashes cycle through distinct styles.
TEST(PlotDashes, DashedPolylineCutsThePatternAcrossVertices) {
  const std::vector<ImVec2> pts = {ImVec2(0, 0), ImVec2(30, 0), ImVec2(100, 0)};
  const std::vector<float> pattern = {8.0f, 5.0f};
  const auto pieces = dash_polyline(pts, pattern);
  ASSERT_EQ(pieces.size(), 8u);
  double drawn = 0;
  for (const auto& piece : pieces) {
    ASSERT_GE(piece.size(), 2u);
    for (size_t i = 1; i < piece.size(); ++i) drawn += piece[i].x - piece[i - 1].x;
  }
  EXPECT_NEAR(drawn, 64.0, 1e-3);
  EXPECT_NEAR(pieces[2].front().x, 26.0f, 1e-4);  // the piece over the vertex at x = 30
  EXPECT_EQ(pieces[2].size(), 3u);
  EXPECT_NEAR(pieces[2].back().x, 34.0f, 1e-4);
  const auto solid = dash_polyline(pts, {});
  ASSERT_EQ(solid.size(), 1u);
  EXPECT_EQ(solid[0].size(), 3u);
  EXPECT_TRUE(dash_polyline(std::vector<ImVec2>{ImVec2(1, 1)}, pattern).empty());
  EXPECT_TRUE(dash_pattern(Dash::solid).empty());
  for (int k = 0; k < 11; ++k) {
    EXPECT_NE(cycled_style(k).dash, Dash::dashed) << k;  // dashed is kept for reference lines
    EXPECT_NE(cycled_style(k).marker, Marker::none) << k;
    if (k > 0) {
      const LineStyle a = cycled_style(k), b = cycled_style(k - 1);
      EXPECT_FALSE(a.dash == b.dash && a.marker == b.marker) << k;
    }
  }
}

// y_cap: a line that blows up (to 1e14) does not stretch the axis beyond the cap (12, plus the
// 6 % padding), while a cap above every value changes nothing.
TEST(PlotHeadless, YCapLimitsTheAxis) {
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(800, 600);
  unsigned char* pixels;
  int w, h;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  io.IniFilename = nullptr;
  ImGui::NewFrame();
  ImGui::Begin("test");
  const std::vector<double> x = {0, 1, 2, 3}, y = {3, 2.5, 50, 1e14};
  LinePlotOptions opt;
  opt.y_cap = 12;
  LinePlot p("capped", ImVec2(400, 200), opt);
  p.line("A", series_color(0), x, y);
  p.draw();
  EXPECT_LE(p.y_range().max, 12 + 0.06 * (12 - 2.5) + 1e-9);
  EXPECT_GE(p.y_range().max, 12);
  opt.y_cap = 1e15;
  LinePlot q("uncapped", ImVec2(400, 200), opt);
  q.line("A", series_color(0), x, y);
  q.draw();
  EXPECT_GE(q.y_range().max, 1e14);
  ImGui::End();
  ImGui::Render();
  ImGui::DestroyContext();
}

}  // namespace ss::plot
