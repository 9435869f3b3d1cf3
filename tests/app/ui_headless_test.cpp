// Whole UI frames with no window and no GL (Dear ImGui with fonts built and a display size, no
// backend): a real Session on the default scenario, every panel drawn, keyboard shortcuts and
// CSV export exercised. The heat map needs GL and is absent here (AppState::renderer is null).
#include <gtest/gtest.h>
#include <imgui.h>
#include <imgui_internal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "app/plot/plot.h"
#include "app/ui/app_state.h"
#include "app/ui/controls_panel.h"
#include "app/ui/script.h"
#include "app/ui/status_bar.h"
#include "headless_imgui.h"

namespace ss::ui {

namespace {

using testing::HeadlessImGui;

Scenario small_scenario() {
  Scenario sc = load_scenario(std::string(SS_SOURCE_DIR) + "/assets/scenarios/default.json");
  sc.budget = Budget{BudgetKind::iterations, 30};
  sc.metrics.every = 10;
  sc.metrics.ksd_samples = 100;
  return sc;
}

}  // namespace

TEST(UiHeadless, PanelsDrawOnALiveSessionAndShortcutsPostCommands) {
  HeadlessImGui imgui;
  AppState app;
  app.headless = true;
  app.session = std::make_unique<Session>(small_scenario());
  app.gallery_dir = std::string(SS_SOURCE_DIR) + "/assets/scenarios";
  app.session->sync();
  imgui.frame(app);
  ASSERT_TRUE(app.snap);
  EXPECT_FALSE(app.snap->running);
  // Space starts every run (ImGui 1.86: io.KeysDown indexed through io.KeyMap).
  ImGuiIO& io = ImGui::GetIO();
  io.KeysDown[io.KeyMap[ImGuiKey_Space]] = true;
  imgui.frame(app);
  io.KeysDown[io.KeyMap[ImGuiKey_Space]] = false;
  const auto snap = app.session->wait_finished(120);
  ASSERT_TRUE(snap->finished) << "runs did not finish their 30-iteration budget";
  for (int i = 0; i < 3; ++i) imgui.frame(app);
  // Every method has a canvas and the plots were laid out.
  for (const RunSnapshot& r : app.snap->runs)
    EXPECT_TRUE(app.rects.count("canvas:" + r.label)) << r.label;
  EXPECT_TRUE(app.rects.count("plot:ksd"));
  EXPECT_TRUE(app.rects.count("plot:modes"));
  EXPECT_FALSE(wants_continuous_redraw(app));  // finished and idle: the loop may sleep

  const auto dir = std::filesystem::temp_directory_path() / "ss_ui_headless_export";
  std::filesystem::remove_all(dir);
  app.export_dir = dir.string();
  export_csv_all(app);
  std::ifstream csv(dir / "metrics.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header, "method,label,iteration,gradient_evals,wall_seconds,metric,value");
  int rows = 0;
  for (std::string line; std::getline(csv, line);)
    rows += line.find(",ksd2_imq,") != std::string::npos;
  EXPECT_GE(rows, int(app.snap->runs.size()) * 3);  // passes at 0, 10, 20, 30 per run
  for (const RunSnapshot& r : app.snap->runs)
    EXPECT_TRUE(std::filesystem::exists(dir / ("samples_" + r.label + ".csv"))) << r.label;
  app.session.reset();  // stop the worker before the ImGui context goes away
}

TEST(UiHeadless, BadScenarioTextIsReportedNotFatal) {
  HeadlessImGui imgui;
  AppState app;
  app.headless = true;
  app.session = std::make_unique<Session>(small_scenario());
  imgui.frame(app);
  EXPECT_FALSE(open_scenario_text(app, "{\"schema\": 1, \"methods\": 3}", "<clipboard>"));
  ASSERT_FALSE(app.messages.empty());
  EXPECT_EQ(app.messages.back().level, UiMessage::Level::error);
  EXPECT_NE(app.messages.back().text.find("<clipboard>"), std::string::npos)
      << app.messages.back().text;
  EXPECT_FALSE(open_scenario_file(app, "/nonexistent/scenario.json"));
  imgui.frame(app);  // the UI keeps drawing
  app.session.reset();
}

// A formula that passes the scenario checks (its 256-cell check grid sees cos(...) = 1 at every
// node) but whose 512-cell grid reference meets log(cos(...)) = log(-1) = NaN at every cell
// centre: the reference fails after the scenario was accepted.
Scenario scenario_whose_reference_fails() {
  Scenario sc = small_scenario();
  sc.name = "reference fails";
  sc.target = TargetSpec{};
  sc.target.kind = "formula";
  sc.target.log_density = "-(x^2+y^2)/2 + log(cos(102.4*3.141592653589793*(x+5)))";
  sc.target.box = Box{-5, 5, -5, 5};
  return sc;
}

// Defect 5 of issue 19: the GUI used to stay on "computing the reference..." with its methods
// "[running]" at 0 it/s. Now it says why and shows the default scenario, as the user guide says.
TEST(UiHeadless, AScenarioWhoseReferenceFailsFallsBackToTheDefault) {
  HeadlessImGui imgui;
  AppState app;
  app.headless = true;
  app.gallery_dir = std::string(SS_SOURCE_DIR) + "/assets/scenarios";
  const Scenario bad = scenario_whose_reference_fails();
  ASSERT_NO_THROW(validate_scenario(bad, "test"));
  app.session = std::make_unique<Session>(bad);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!(app.snap && app.snap->reference) && std::chrono::steady_clock::now() < deadline) {
    imgui.frame(app);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(app.snap && app.snap->reference) << "no reference within 60 s";
  EXPECT_EQ(app.snap->scenario->name, default_scenario(app).name);
  EXPECT_TRUE(app.fell_back);
  bool said_why = false;
  for (const UiMessage& m : app.messages)
    said_why = said_why || (m.level == UiMessage::Level::error &&
                            m.text.find("reference fails") != std::string::npos &&
                            m.text.find("NaN") != std::string::npos &&
                            m.text.find("default scenario") != std::string::npos);
  EXPECT_TRUE(said_why);
  // Opening the bad scenario again is refused by the engine and the default stays.
  app.session->post(cmd::LoadScenario{bad});
  app.session->sync();
  imgui.frame(app);
  EXPECT_TRUE(app.snap->reference);
  EXPECT_EQ(app.snap->scenario->name, default_scenario(app).name);
  app.session.reset();
}

// Defect 6 of issue 19: errors a script provokes — in the app (unknown target, target knob out
// of range, a screenshot without a window) and in the engine (a method knob out of range) — are
// counted, so the program exits 1; before, only the script's own checks were.
TEST(UiHeadless, ScriptFailuresAreCountedIncludingEngineRejections) {
  HeadlessImGui imgui;
  AppState app;
  app.headless = true;
  app.session = std::make_unique<Session>(small_scenario());
  app.session->sync();
  imgui.frame(app);
  ScriptPlayer ok(parse_script("step 2\nparam SVGD step_size 0.05\n", "ok.ss"));
  imgui.frame(app);
  ok.after_frame(app);
  EXPECT_EQ(ok.finish(app), 0);
  ScriptPlayer bad(
      parse_script("target no_such_target\ntarget_param radius 999\nparam SVGD particles 1e9\n"
                   "screenshot x.png\n",
                   "bad.ss"));
  imgui.frame(app);
  bad.after_frame(app);
  while (!bad.done()) {
    imgui.frame(app);
    bad.after_frame(app);
  }
  EXPECT_EQ(bad.finish(app), 4);
  app.session.reset();
}

// Defect 9 of issue 19: a long error used to push the status bar's "dismiss" button off screen.
TEST(UiHeadless, LongStatusErrorsKeepDismissOnScreen) {
  HeadlessImGui imgui;
  AppState app;
  app.headless = true;
  app.session = std::make_unique<Session>(small_scenario());
  app.session->sync();
  imgui.frame(app);
  report_error(app, "cannot open scenario: " + std::string(600, 'x') + " the end");
  for (int i = 0; i < 2; ++i) imgui.frame(app);
  ImGuiWindow* status = ImGui::FindWindowByName("Status");
  ASSERT_NE(status, nullptr);
  EXPECT_LE(status->DC.CursorMaxPos.x, status->Pos.x + status->Size.x + 1)
      << "something in the status bar ends beyond its right edge";
  const std::string text = plot::fit_text("abcdef", 1e6f);
  EXPECT_EQ(text, "abcdef");
  EXPECT_EQ(plot::fit_text(std::string(500, 'x'), 100).substr(0, 3), "xxx");
  EXPECT_LE(ImGui::CalcTextSize(plot::fit_text(std::string(500, 'x'), 100).c_str()).x, 100.0f);
  // Cut at a character boundary: a title of two-byte characters never ends in half of one.
  std::string sigmas;
  for (int i = 0; i < 200; ++i) sigmas += "σ";
  const std::string cut = plot::fit_text(sigmas, 100);
  ASSERT_GE(cut.size(), 3u);
  EXPECT_EQ(cut.substr(cut.size() - 3), "...");
  EXPECT_EQ((cut.size() - 3) % 2, 0u) << "a UTF-8 character was split";
  app.session.reset();
}

// The metric panel's new parts and presentation mode, on a finished donut session: the angular
// coverage replaces the one-bar mode chart on a ring target, the scoreboard and one loss plot
// per network method are laid out, no text is cut off, and presentation mode hides the controls
// and gives the canvases the whole width.
TEST(UiHeadless, NewPanelsAndPresentationMode) {
  HeadlessImGui imgui;
  AppState app;
  app.headless = true;
  app.session = std::make_unique<Session>(small_scenario());
  app.session->post(cmd::Start{});
  ASSERT_TRUE(app.session->wait_finished(120)->finished);
  for (int i = 0; i < 4; ++i) imgui.frame(app);
  EXPECT_TRUE(app.rects.count("plot:angular"));  // donut: ring-like
  EXPECT_TRUE(app.rects.count("plot:scoreboard"));
  EXPECT_TRUE(app.rects.count("plot:loss"));
  EXPECT_TRUE(app.rects.count("plot:accept"));
  for (const std::string& c : find_clipped_text(app)) ADD_FAILURE() << c;
  const float canvas_w = app.rects.at("canvas:first").width();

  app.presentation = true;
  for (int i = 0; i < 3; ++i) imgui.frame(app);
  const ImGuiWindow* controls = ImGui::FindWindowByName("Controls");
  EXPECT_TRUE(!controls || !controls->Active);
  EXPECT_GT(app.rects.at("canvas:first").width(), canvas_w);
  EXPECT_FALSE(app.rects.count("plot:scoreboard"));  // one row of plots only
  for (const std::string& c : find_clipped_text(app)) ADD_FAILURE() << c;
  app.session.reset();
}

// Live mode: a target change on a finished session reaches the runs (they restart and finish
// again on the new target), and the scenario is marked modified; with live mode off it does not.
TEST(UiHeadless, LiveModeRestartsFinishedRunsOnATargetChange) {
  HeadlessImGui imgui;
  for (const bool live : {true, false}) {
    AppState app;
    app.headless = true;
    app.display.live_restart = live;
    app.session = std::make_unique<Session>(small_scenario());
    app.session->post(cmd::Start{});
    ASSERT_TRUE(app.session->wait_finished(120)->finished);
    imgui.frame(app);
    EXPECT_FALSE(app.scenario_modified);
    select_target(app, "banana");
    EXPECT_TRUE(app.scenario_modified);
    std::shared_ptr<const Snapshot> s;
    for (int k = 0; k < 2000; ++k) {
      s = app.session->sync();
      if (s->reference && s->reference->target().kind() == "banana" && s->finished) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    imgui.frame(app);
    ASSERT_EQ(s->reference->target().kind(), "banana");
    for (const RunSnapshot& r : app.snap->runs) {
      // Live: run again to the budget on the banana, so nothing is stale. Off: the old runs are
      // kept and marked stale (drawn grey).
      EXPECT_EQ(run_is_stale(app, r), !live) << r.label;
    }
    app.session.reset();
  }
}

}  // namespace ss::ui
