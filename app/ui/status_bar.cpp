#include "app/ui/status_bar.h"

#include <imgui.h>

#include <cmath>

#include "app/plot/plot.h"
#include "app/ui/param_widgets.h"

namespace ss::ui {

void draw_status_bar(AppState& app) {
  app.frame_ms_sum += app.frame_ms;
  ++app.frame_ms_count;
  const std::shared_ptr<const Snapshot>& shown = app.status.snap;
  const bool state_changed = app.snap && (!shown || shown->running != app.snap->running ||
                                          shown->finished != app.snap->finished ||
                                          shown->runs.size() != app.snap->runs.size());
  if (app.status.follow(app.snap, ImGui::GetTime(), kStatusRefreshSeconds, state_changed)) {
    app.status_frame_ms = app.frame_ms_sum / app.frame_ms_count;
    app.frame_ms_sum = 0, app.frame_ms_count = 0;
  }
  ImGui::Text("frame %.1f ms", app.status_frame_ms);
  item_tooltip("Mean time to build and draw a frame over the last half second.");
  if (!app.status.snap) return;
  const Snapshot& s = *app.status.snap;
  ImGui::SameLine(0, 16);
  ImGui::Text("worker %3.0f%%", 100.0 * s.worker_load);
  item_tooltip("Share of the last second the engine's worker thread was busy.");
  // One line that never runs past the window: an item that does not fit is left out (the runs'
  // rates are also in their tooltips and the controls), the message is shortened with "...".
  const auto fits = [](const std::string& text, float spacing) {
    ImGui::SameLine(0, spacing);
    return ImGui::GetContentRegionAvail().x >= ImGui::CalcTextSize(text.c_str()).x;
  };
  for (size_t i = 0; i < s.runs.size(); ++i) {
    const RunSnapshot& r = s.runs[i];
    char rate[160];
    std::snprintf(rate, sizeof rate, "%s %.0f it/s", r.label.c_str(), r.iterations_per_second);
    if (!fits(rate, 16)) continue;
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(method_color(r.kind)), "%s", rate);
    item_tooltip(r.label + ": " + run_state_name(r.state) + ", iteration " +
                 std::to_string(r.iteration) + ", " + std::to_string(r.counters.gradient_evals()) +
                 " gradient evaluations, " +
                 std::to_string(int(std::round(100 * r.budget_fraction))) + "% of the budget");
  }
  const char* state = s.running ? "running" : (s.finished ? "finished" : "paused");
  if (fits(state, 16)) ImGui::TextDisabled("%s", state);
  // Latest message: errors in red, and a way to dismiss them.
  if (!app.messages.empty()) {
    const UiMessage& m = app.messages.back();
    const bool fresh = ImGui::GetTime() - m.time < 8.0;
    if (m.level == UiMessage::Level::error || fresh) {
      ImGui::SameLine(0, 24);
      // A long message is cut to the room left, so "dismiss" stays on screen; the tooltip has it
      // whole.
      const ImGuiStyle& style = ImGui::GetStyle();
      const float button =
          m.level == UiMessage::Level::error
              ? ImGui::CalcTextSize("dismiss").x + 2 * style.FramePadding.x + style.ItemSpacing.x
              : 0.0f;
      const std::string text =
          plot::fit_text(m.text, ImGui::GetContentRegionAvail().x - button - style.ItemSpacing.x);
      if (m.level == UiMessage::Level::error)
        ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "%s", text.c_str());
      else
        ImGui::TextDisabled("%s", text.c_str());
      if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40);
        for (const UiMessage& old : app.messages) ImGui::TextUnformatted(old.text.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
      }
      if (m.level == UiMessage::Level::error) {
        ImGui::SameLine();
        if (ImGui::SmallButton("dismiss")) app.messages.pop_back();
      }
    }
  }
}

}  // namespace ss::ui
