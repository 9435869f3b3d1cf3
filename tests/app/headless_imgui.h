// Dear ImGui with fonts built and a display size but no window, backend or GL, for whole UI frames
// in the headless app tests (AppState::renderer is null there, so the heat map is absent). The key
// map points ImGui 1.86's named keys at io.KeysDown[300 + k] so a test can press them.
#pragma once

#include <imgui.h>

#include "app/ui/app_state.h"
#include "app/ui/metrics_panel.h"

namespace ss::ui::testing {

struct HeadlessImGui {
  explicit HeadlessImGui(ImVec2 size = ImVec2(1400, 900)) {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = size;
    io.IniFilename = nullptr;
    io.DeltaTime = 1.0f / 60.0f;
    for (int k = 0; k < ImGuiKey_COUNT; ++k) io.KeyMap[k] = k + 300;  // distinct from letters
    unsigned char* pixels;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  }
  ~HeadlessImGui() { ImGui::DestroyContext(); }
  HeadlessImGui(const HeadlessImGui&) = delete;
  HeadlessImGui& operator=(const HeadlessImGui&) = delete;

  /// One whole frame of the app.
  void frame(AppState& app) {
    ImGui::NewFrame();
    begin_frame(app);
    draw_app(app, ImGui::GetIO().DisplaySize);
    ImGui::Render();
  }
  /// One frame with the Metrics panel alone filling a window of the display's lower 55 %.
  void metrics_frame(AppState& app) {
    ImGui::NewFrame();
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos(ImVec2(0, 0.45f * d.y));
    ImGui::SetNextWindowSize(ImVec2(d.x, 0.55f * d.y));
    ImGui::Begin("Metrics", nullptr, ImGuiWindowFlags_NoDecoration);
    const ImVec2 p0 = ImGui::GetCursorScreenPos(), avail = ImGui::GetContentRegionAvail();
    draw_metrics_panel(app, p0, ImVec2(p0.x + avail.x, p0.y + avail.y));
    ImGui::End();
    ImGui::Render();
  }
};

}  // namespace ss::ui::testing
