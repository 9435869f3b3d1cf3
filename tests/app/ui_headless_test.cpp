// Whole UI frames with no window and no GL (Dear ImGui with fonts built and a display size, no
// backend): a real Session on the default scenario, every panel drawn, keyboard shortcuts and
// CSV export exercised. The heat map needs GL and is absent here (AppState::renderer is null).
#include <gtest/gtest.h>
#include <imgui.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "app/ui/app_state.h"
#include "app/ui/controls_panel.h"

namespace ss::ui {

namespace {

struct HeadlessImGui {
  HeadlessImGui() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(1400, 900);
    io.IniFilename = nullptr;
    io.DeltaTime = 1.0f / 60.0f;
    for (int k = 0; k < ImGuiKey_COUNT; ++k) io.KeyMap[k] = k + 300;  // distinct from letters
    unsigned char* pixels;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  }
  ~HeadlessImGui() { ImGui::DestroyContext(); }
  void frame(AppState& app) {
    ImGui::NewFrame();
    begin_frame(app);
    draw_app(app, ImGui::GetIO().DisplaySize);
    ImGui::Render();
  }
};

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

}  // namespace ss::ui
