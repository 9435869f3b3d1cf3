#include "app/ui/about_panel.h"

#include <imgui.h>

namespace ss::ui {

void draw_about_panel(bool* open) {
  ImGui::SetNextWindowSize(ImVec2(460, 0), ImGuiCond_FirstUseEver);
  if (!ImGui::Begin("About samplescope", open)) {
    ImGui::End();
    return;
  }
  ImGui::TextWrapped(
      "samplescope is a laboratory for sampling from unnormalized 2-D densities: it runs "
      "Denoising Fisher Training, SVGD and flowMC side by side on the same target and measures "
      "them against exact 2-D ground truth.");
  ImGui::Separator();
  ImGui::Text("Dear ImGui %s", IMGUI_VERSION);
  ImGui::End();
}

}  // namespace ss::ui
