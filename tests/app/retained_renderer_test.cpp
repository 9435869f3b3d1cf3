// The draw-list hash that decides whether gfx::RetainedRenderer may reuse a window's pixels
// (the GL side is checked under Xvfb: tests/app/xvfb_smoke.sh compares kept and direct renders).
#include "app/gfx/retained_renderer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>

namespace ss::gfx {

namespace {

// Builds one headless frame with a window drawn by `body` and returns its draw list's hash.
std::uint64_t frame_hash(const std::function<void(ImDrawList*)>& body) {
  ImGui::NewFrame();
  ImGui::SetNextWindowPos(ImVec2(10, 10));
  ImGui::SetNextWindowSize(ImVec2(200, 150));
  ImGui::Begin("hashed", nullptr, ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_NoTitleBar);
  body(ImGui::GetWindowDrawList());
  ImGui::End();
  ImGui::Render();
  const ImDrawData* dd = ImGui::GetDrawData();
  std::uint64_t h = 0;
  for (int i = 0; i < dd->CmdListsCount; ++i)
    if (dd->CmdLists[i]->_OwnerName && std::string(dd->CmdLists[i]->_OwnerName) == "hashed")
      h = RetainedRenderer::hash_draw_list(*dd->CmdLists[i]);
  return h;
}

struct Context {
  Context() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(400, 300);
    io.IniFilename = nullptr;
    unsigned char* pixels;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  }
  ~Context() { ImGui::DestroyContext(); }
};

}  // namespace

TEST(RetainedRenderer, HashFollowsTheGeometryAndNothingElse) {
  Context ctx;
  const auto scene = [](ImU32 col, float x, bool clip) {
    return [=](ImDrawList* dl) {
      if (clip) dl->PushClipRect(ImVec2(20, 20), ImVec2(120, 120), true);
      dl->AddRectFilled(ImVec2(x, 30), ImVec2(x + 40, 60), col);
      dl->AddText(ImVec2(30, 80), IM_COL32_WHITE, "ksd 0.12");
      if (clip) dl->PopClipRect();
    };
  };
  frame_hash(scene(IM_COL32(200, 0, 0, 255), 30, false));  // a new window is hidden one frame
  const std::uint64_t base = frame_hash(scene(IM_COL32(200, 0, 0, 255), 30, false));
  EXPECT_NE(base, 0u);
  // The same picture in the next frame: the same hash, so the kept image is reused.
  EXPECT_EQ(frame_hash(scene(IM_COL32(200, 0, 0, 255), 30, false)), base);
  // A colour, a position or a clip rectangle changed: a new hash, so the window is drawn again.
  EXPECT_NE(frame_hash(scene(IM_COL32(201, 0, 0, 255), 30, false)), base);
  EXPECT_NE(frame_hash(scene(IM_COL32(200, 0, 0, 255), 30.5f, false)), base);
  EXPECT_NE(frame_hash(scene(IM_COL32(200, 0, 0, 255), 30, true)), base);
  // Text that changed by one character.
  const std::uint64_t t1 = frame_hash(
      [](ImDrawList* dl) { dl->AddText(ImVec2(30, 80), IM_COL32_WHITE, "iteration 100"); });
  const std::uint64_t t2 = frame_hash(
      [](ImDrawList* dl) { dl->AddText(ImVec2(30, 80), IM_COL32_WHITE, "iteration 101"); });
  EXPECT_NE(t1, t2);
}

}  // namespace ss::gfx
