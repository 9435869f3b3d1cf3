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

}  // namespace ss::plot
