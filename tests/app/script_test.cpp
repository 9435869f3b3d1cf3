// Tests of app/ui/script.cpp (parsing) and app/ui/frame_stats.cpp, app/ui/settings.cpp.
#include "app/ui/script.h"

#include <gtest/gtest.h>

#include "app/ui/canvas_panel.h"
#include "app/ui/frame_stats.h"
#include "app/ui/settings.h"

namespace ss::ui {

TEST(Script, ParsesActionsAndSkipsComments) {
  const auto a =
      parse_script("# intro\nplay\n\nwait 10  # frames\ndrag first -1 0.5 0 3\n", "t.ss");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].verb, "play");
  EXPECT_EQ(a[1].args, std::vector<std::string>{"10"});
  EXPECT_EQ(a[1].line, 4);
  EXPECT_EQ(a[2].args.size(), 5u);
}

TEST(Script, RejectsUnknownActionsWithTheLine) {
  try {
    parse_script("play\njump 3\n", "t.ss");
    FAIL() << "accepted an unknown action";
  } catch (const ScriptError& e) {
    EXPECT_NE(std::string(e.what()).find("t.ss:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("jump"), std::string::npos);
  }
}

TEST(Script, RejectsBadArgumentCountsAndNumbers) {
  EXPECT_THROW(parse_script("wait\n", "t"), ScriptError);
  EXPECT_THROW(parse_script("wait ten\n", "t"), ScriptError);
  EXPECT_THROW(parse_script("drag first 1 2 3\n", "t"), ScriptError);
  EXPECT_THROW(parse_script("show samples maybe\n", "t"), ScriptError);
  EXPECT_NO_THROW(parse_script("param SVGD step_size 0.05\n", "t"));
  EXPECT_NO_THROW(parse_script("pause\nidle 20\n", "t"));
  EXPECT_THROW(parse_script("idle\n", "t"), ScriptError);
  EXPECT_THROW(parse_script("idle soon\n", "t"), ScriptError);
  // Defect 8 of issue 19: seeds out of range are refused, not clamped to 2^64 - 1.
  EXPECT_THROW(parse_script("reseed -1\n", "t"), ScriptError);
  EXPECT_THROW(parse_script("reseed 18446744073709551616\n", "t"), ScriptError);
  EXPECT_THROW(parse_script("reseed 1.5\n", "t"), ScriptError);
  EXPECT_NO_THROW(parse_script("reseed 18446744073709551615\n", "t"));
  EXPECT_THROW(parse_script("step -5\n", "t"), ScriptError);
  // The ebm task's actions (issue 16).
  EXPECT_NO_THROW(
      parse_script("task ebm\ntask sample\nheatmap difference\nshow data off\n"
                   "screenshot_plot mode_weights x.png\n",
                   "t"));
  EXPECT_THROW(parse_script("task learn\n", "t"), ScriptError);
  EXPECT_THROW(parse_script("task\n", "t"), ScriptError);
  EXPECT_THROW(parse_script("heatmap model\n", "t"), ScriptError);
}

// `idle SECONDS` hands the loop over until the main loop says the time is up; then the next
// frame moves on to the following actions.
TEST(Script, IdleWaitsUntilTheLoopFinishesIt) {
  AppState app;
  ScriptPlayer player(parse_script("idle 5\nwait 1\n", "t"));
  ImGui::CreateContext();
  player.after_frame(app);
  EXPECT_TRUE(player.unattended());
  EXPECT_DOUBLE_EQ(player.unattended_seconds(), 5.0);
  player.after_frame(app);  // frames drawn meanwhile do not end it
  EXPECT_TRUE(player.unattended());
  player.finish_unattended();
  EXPECT_FALSE(player.unattended());
  player.after_frame(app);  // starts `wait 1`
  EXPECT_FALSE(player.done());
  player.after_frame(app);
  EXPECT_TRUE(player.done());
  ImGui::DestroyContext();
}

TEST(FrameStats, QuantilesSkipTheFirstSecond) {
  FrameStats s;
  s.add(1000, 0.5);  // start-up frame: ignored
  for (int i = 1; i <= 100; ++i) s.add(i, 1.0 + i);
  EXPECT_EQ(s.count(), 100u);
  EXPECT_DOUBLE_EQ(s.quantile(0.5), 50);
  EXPECT_DOUBLE_EQ(s.quantile(0.95), 95);
  EXPECT_DOUBLE_EQ(s.max(), 100);
  EXPECT_EQ(s.summary(), "frame_ms p50=50.00 p95=95.00 p99=99.00 max=100.00 frames=100");
}

TEST(Settings, DisplayOptionsRoundTripAndSurviveDamage) {
  DisplayOptions o;
  o.colormap = 2;
  o.contours = 3;
  o.show_marginals = true;
  o.cost_axis = CostAxis::seconds;
  const DisplayOptions back = display_options_from_json(display_options_json(o));
  EXPECT_EQ(back.colormap, 2);
  EXPECT_EQ(back.contours, 3);
  EXPECT_TRUE(back.show_marginals);
  EXPECT_EQ(back.cost_axis, CostAxis::seconds);
  const DisplayOptions bad = display_options_from_json("{\"colormap\": 99, \"contours\": \"x\"");
  EXPECT_EQ(bad.colormap, DisplayOptions{}.colormap);  // not even JSON: defaults
  const DisplayOptions clamped = display_options_from_json("{\"colormap\": 99}");
  EXPECT_EQ(clamped.colormap, 4);
}

TEST(CanvasGrid, ColumnsMakeTheLargestSquares) {
  EXPECT_EQ(canvas_grid_columns(1, 1000, 500), 1);
  EXPECT_EQ(canvas_grid_columns(3, 1200, 400), 3);  // a wide strip: one row
  EXPECT_EQ(canvas_grid_columns(4, 600, 600), 2);   // a square: 2 × 2
  EXPECT_EQ(canvas_grid_columns(3, 300, 900), 1);   // a tall strip: one column
}

TEST(CanvasGrid, WideBoxesGetCanvasesInRows) {
  // Three canvases in a 1200x560 region: a square box is shown largest side by side, a box four
  // times wider than tall (four modes on a line) in three rows of full-width canvases.
  EXPECT_EQ(canvas_grid_columns(3, 1200, 560, 1.0f), 3);
  EXPECT_EQ(canvas_grid_columns(3, 1200, 560, 4.0f), 1);
  // A tall box (funnel-like) in a wide region: side by side.
  EXPECT_EQ(canvas_grid_columns(3, 1200, 560, 0.3f), 3);
}

TEST(Settings, NewDisplayOptionsRoundTrip) {
  DisplayOptions o;
  o.ui_scale = 1.5f;
  o.ksd_u = true;
  o.live_restart = false;
  o.show_legend = false;
  const DisplayOptions back = display_options_from_json(display_options_json(o));
  EXPECT_FLOAT_EQ(back.ui_scale, 1.5f);
  EXPECT_TRUE(back.ksd_u);
  EXPECT_FALSE(back.live_restart);
  EXPECT_FALSE(back.show_legend);
  // Out-of-range and damaged scales are clamped to [0.5, 3] in steps of 0.05.
  EXPECT_FLOAT_EQ(display_options_from_json("{\"ui_scale\": 9}").ui_scale, 3.0f);
  EXPECT_FLOAT_EQ(clamp_ui_scale(1.234f), 1.25f);
  EXPECT_FLOAT_EQ(clamp_ui_scale(NAN), 1.0f);
}

TEST(MethodColors, FixedPerKindAndDistinct) {
  const char* kinds[] = {"dft", "svgd", "amortized_svgd", "flowmc", "mala", "ula", "kl_ns"};
  for (const char* a : kinds)
    for (const char* b : kinds) {
      if (std::string(a) == b) continue;
      const ImVec4 ca = ImGui::ColorConvertU32ToFloat4(method_color(a));
      const ImVec4 cb = ImGui::ColorConvertU32ToFloat4(method_color(b));
      // At least 0.25 apart in some channel (SVGD and amortized SVGD were two near-identical
      // blues before).
      const float d =
          std::max({std::abs(ca.x - cb.x), std::abs(ca.y - cb.y), std::abs(ca.z - cb.z)});
      EXPECT_GT(d, 0.25f) << a << " vs " << b;
    }
  EXPECT_EQ(method_color("dft"), method_color("dft"));
  EXPECT_EQ(method_color("dft", 0.5f) >> IM_COL32_A_SHIFT, 128u);
}

TEST(Script, ParsesTheNewActions) {
  const auto a = parse_script(
      "record out.gif 3\nrecord_canvas DFT c.gif 2\nui_scale 1.5\npresentation on\nlive off\n"
      "wait_finished\nwait_samples_fit 10\nassert_no_clipped_text\n",
      "t.ss");
  ASSERT_EQ(a.size(), 8u);
  EXPECT_EQ(a[0].verb, "record");
  EXPECT_THROW(parse_script("presentation maybe\n", "t.ss"), ScriptError);
  EXPECT_THROW(parse_script("record out.gif soon\n", "t.ss"), ScriptError);
  EXPECT_THROW(parse_script("ui_scale big\n", "t.ss"), ScriptError);
}

}  // namespace ss::ui
