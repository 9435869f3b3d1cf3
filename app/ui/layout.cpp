// draw_app: the fixed layout of the main window (ImGui 1.86 has no docking). Regions resize with
// the window: Controls on the left, the canvas grid top right, the metric plots below it, the
// status bar along the bottom. Also the keyboard shortcuts.
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_internal.h>

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
  // F11 / Esc: presentation mode on and off (also while a text box is active).
  if (ImGui::IsKeyPressed(GLFW_KEY_F11, false)) app.presentation = !app.presentation;
  if (app.presentation && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false))
    app.presentation = false;
  // Ctrl+= / Ctrl++ (keypad) / Ctrl+- / Ctrl+0: UI scale in steps of 10 %.
  if (io.KeyCtrl) {
    float& sc = app.display.ui_scale;
    if (ImGui::IsKeyPressed(GLFW_KEY_EQUAL) || ImGui::IsKeyPressed(GLFW_KEY_KP_ADD))
      sc = clamp_ui_scale(sc * 1.1f);
    if (ImGui::IsKeyPressed(GLFW_KEY_MINUS) || ImGui::IsKeyPressed(GLFW_KEY_KP_SUBTRACT))
      sc = clamp_ui_scale(sc / 1.1f);
    if (ImGui::IsKeyPressed(GLFW_KEY_0, false) || ImGui::IsKeyPressed(GLFW_KEY_KP_0, false))
      sc = 1.0f;
  }
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
  // The controls take a quarter of the width, at least 280 px (scaled) but never more than
  // 45 % of the window; presentation mode hides them.
  const float controls_w =
      app.presentation
          ? 0.0f
          : std::min(std::clamp(size.x * 0.24f, 260.0f * s, 400.0f * s), size.x * 0.40f);
  const float main_h = size.y - status_h;
  plot::set_line_scale(app.presentation ? 2.0f : 1.0f);

  if (!app.presentation) {
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(controls_w, main_h));
    if (ImGui::Begin("Controls", nullptr, kRegion & ~ImGuiWindowFlags_NoTitleBar)) {
      draw_controls_panel(app);
      ImGui::Spacing();
      if (ImGui::SmallButton("About samplescope")) app.show_about = true;
    }
    ImGui::End();
  }

  // Canvases on top, metrics below: two windows, so that the renderer can keep the metrics'
  // pixels while only the canvases change (gfx::RetainedRenderer).
  const float canvas_h =
      std::floor(std::max(120.0f * s, main_h * (app.presentation ? 0.64f : 0.58f)));
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
  // The metrics scroll vertically when their panels need more than the region's height.
  if (ImGui::Begin("Metrics", nullptr, kRegion)) {
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

std::vector<std::string> find_clipped_text(AppState& app) {
  std::vector<std::string> out;
  ImGuiContext& g = *ImGui::GetCurrentContext();
  // 1. Items: every item ImGui laid out grows its window's CursorMaxPos by its rectangle. A
  //    region window has no horizontal scrollbar, so an item reaching past the window's inner
  //    clip rectangle is cut off (and, in windows without a vertical scrollbar, past its bottom).
  for (ImGuiWindow* w : g.Windows) {
    if (!w->WasActive || w->Hidden ||
        (w->Flags & (ImGuiWindowFlags_Tooltip | ImGuiWindowFlags_Popup)))
      continue;
    const float over_x = w->DC.CursorMaxPos.x - w->InnerClipRect.Max.x;
    // A window that may scroll vertically shows its scrollbar when the content is taller: what
    // lies below is reachable, not cut off.
    const bool scrolls_y =
        w->ScrollbarY || w->ScrollMax.y > 0 || !(w->Flags & ImGuiWindowFlags_NoScrollbar);
    const float over_y = scrolls_y ? 0.0f : w->DC.CursorMaxPos.y - w->InnerClipRect.Max.y;
    char buf[256];
    if (over_x > 1.0f || over_y > 1.0f) {
      std::snprintf(buf, sizeof buf,
                    "window '%s': items reach %.0f px past the right, %.0f px "
                    "past the bottom edge",
                    w->Name, std::max(0.0f, over_x), std::max(0.0f, over_y));
      out.push_back(buf);
    }
  }
  // 2. Text drawn straight into draw lists (plot titles, tick labels, canvas labels): a glyph
  //    quad that reaches outside its draw command's clip rectangle is cut off. Glyphs are the
  //    font-texture quads whose texels belong to a glyph of the font.
  ImDrawData* dd = ImGui::GetDrawData();
  ImFontAtlas* atlas = g.IO.Fonts;
  if (!dd || !atlas || atlas->TexWidth <= 0) return out;
  GlyphMask& gm = app.panels.glyph_mask;
  std::vector<unsigned char>& mask = gm.texels;
  const int mask_w = atlas->TexWidth, mask_h = atlas->TexHeight;
  if (gm.atlas != atlas || gm.width != mask_w || gm.height != mask_h) {
    gm.atlas = atlas, gm.width = mask_w, gm.height = mask_h;
    mask.assign(size_t(mask_w) * size_t(mask_h), 0);
    for (ImFont* f : atlas->Fonts)
      for (const ImFontGlyph& gl : f->Glyphs) {
        if (!gl.Visible) continue;
        const int x0 = int(gl.U0 * mask_w), x1 = int(gl.U1 * mask_w);
        const int y0 = int(gl.V0 * mask_h), y1 = int(gl.V1 * mask_h);
        for (int y = std::max(0, y0); y < std::min(mask_h, y1); ++y)
          for (int x = std::max(0, x0); x < std::min(mask_w, x1); ++x)
            mask[size_t(y) * size_t(mask_w) + size_t(x)] = 1;
      }
  }
  for (int l = 0; l < dd->CmdListsCount; ++l) {
    const ImDrawList* list = dd->CmdLists[l];
    // In a window that scrolls vertically, text below or above the visible part is scrolled
    // away, not cut off: only the horizontal extent counts there.
    const ImGuiWindow* owner =
        list->_OwnerName ? ImGui::FindWindowByName(list->_OwnerName) : nullptr;
    const bool scrolls = owner && (owner->ScrollbarY || owner->ScrollMax.y > 0 ||
                                   !(owner->Flags & ImGuiWindowFlags_NoScrollbar));
    for (const ImDrawCmd& cmd : list->CmdBuffer) {
      if (cmd.UserCallback || cmd.TextureId != atlas->TexID) continue;
      const ImVec4& c = cmd.ClipRect;
      for (unsigned e = 0; e < cmd.ElemCount; ++e) {
        const ImDrawVert& v =
            list->VtxBuffer[int(cmd.VtxOffset + list->IdxBuffer[int(cmd.IdxOffset + e)])];
        const int tx = int(v.uv.x * mask_w), ty = int(v.uv.y * mask_h);
        if (tx < 0 || ty < 0 || tx >= mask_w || ty >= mask_h) continue;
        // A glyph corner's uv sits on the glyph's edge: look one texel inwards too.
        const bool glyph =
            mask[size_t(ty) * size_t(mask_w) + size_t(tx)] ||
            (tx > 0 && ty > 0 && mask[size_t(ty - 1) * size_t(mask_w) + size_t(tx - 1)]);
        if (!glyph) continue;
        if (v.pos.x < c.x - 1.0f || v.pos.x > c.z + 1.0f ||
            (!scrolls && (v.pos.y < c.y - 1.0f || v.pos.y > c.w + 1.0f))) {
          char buf[256];
          std::snprintf(
              buf, sizeof buf, "text in '%s' cut off at (%.0f, %.0f) (clip %.0f,%.0f-%.0f,%.0f)",
              list->_OwnerName ? list->_OwnerName : "?", v.pos.x, v.pos.y, c.x, c.y, c.z, c.w);
          out.push_back(buf);
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace ss::ui
