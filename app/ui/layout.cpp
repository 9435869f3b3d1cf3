// draw_app: the fixed layout of the main window (ImGui 1.86 has no docking). Regions resize with
// the window: Controls on the left, the canvas grid top right, the metric plots below it, the
// status bar along the bottom. Also the keyboard shortcuts.
#include <imgui.h>

#include <algorithm>

#include "app/ui/about_panel.h"
#include "app/ui/app_state.h"
#include "app/ui/canvas_panel.h"
#include "app/ui/controls_panel.h"
#include "app/ui/metrics_panel.h"
#include "app/ui/status_bar.h"

namespace ss::ui {

namespace {

// ImGui 1.86 indexes io.KeysDown by the backend's key codes; GLFW's letter codes are the ASCII
// capitals ('S' == GLFW_KEY_S), and Space goes through io.KeyMap.
void handle_shortcuts(AppState& app) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;  // typing in a text box
  if (io.KeyCtrl && ImGui::IsKeyPressed('S', false)) {
    save_scenario_default(app);
    return;
  }
  if (io.KeyCtrl || io.KeyAlt) return;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false)) toggle_play(app);
  if (ImGui::IsKeyPressed('S', false)) step_runs(app, 1);
  if (ImGui::IsKeyPressed('R', false)) reset_runs(app);
}

// The regions tile the whole window, so they draw no background of their own: the main loop
// clears to window_clear_color() instead. A full-window blended fill is the most expensive thing
// in a frame on a software rasterizer (about 1.6 million blended, textured fragments).
constexpr ImGuiWindowFlags kRegion =
    ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove |
    ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings |
    ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoBackground;

}  // namespace

ImVec4 window_clear_color() {
  const ImVec4 c = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg);
  return ImVec4(c.x, c.y, c.z, 1.0f);
}

void draw_app(AppState& app, ImVec2 size) {
  app.rects.clear();
  app.rects["window"] = plot::ScreenRect{ImVec2(0, 0), size};
  handle_shortcuts(app);
  const float s = app.dpi_scale;
  const float status_h = ImGui::GetFrameHeight() + 8.0f * s;
  const float controls_w = std::clamp(size.x * 0.24f, 280.0f * s, 400.0f * s);
  const float main_h = size.y - status_h;

  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(controls_w, main_h));
  if (ImGui::Begin("Controls", nullptr, kRegion & ~ImGuiWindowFlags_NoTitleBar)) {
    draw_controls_panel(app);
    ImGui::Spacing();
    if (ImGui::SmallButton("About samplescope")) app.show_about = true;
  }
  ImGui::End();

  // Canvases on top, metrics below: two windows, so that the renderer can keep the metrics'
  // pixels while only the canvases change (gfx::RetainedRenderer).
  const float canvas_h = std::floor(std::max(120.0f * s, main_h * 0.58f));
  ImGui::SetNextWindowPos(ImVec2(controls_w, 0));
  ImGui::SetNextWindowSize(ImVec2(size.x - controls_w, canvas_h));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(6 * s, 6 * s));
  if (ImGui::Begin("Canvases", nullptr,
                   kRegion | ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse)) {
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    draw_canvas_panel(app, p0, ImVec2(p0.x + avail.x, p0.y + avail.y));
  }
  ImGui::End();
  ImGui::SetNextWindowPos(ImVec2(controls_w, canvas_h));
  ImGui::SetNextWindowSize(ImVec2(size.x - controls_w, main_h - canvas_h));
  if (ImGui::Begin("Metrics", nullptr,
                   kRegion | ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse)) {
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    draw_metrics_panel(app, p0, ImVec2(p0.x + avail.x, p0.y + avail.y));
  }
  ImGui::End();
  ImGui::PopStyleVar();

  ImGui::SetNextWindowPos(ImVec2(0, main_h));
  ImGui::SetNextWindowSize(ImVec2(size.x, status_h));
  if (ImGui::Begin("Status", nullptr, kRegion | ImGuiWindowFlags_NoScrollbar)) draw_status_bar(app);
  ImGui::End();

  if (app.show_about) draw_about_panel(&app.show_about);
}

}  // namespace ss::ui
