#include "app/gfx/retained_renderer.h"

#include <GL/gl.h>
#include <GL/glext.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "app/gfx/gl_targets.h"

namespace ss::gfx {

namespace {

// 64-bit hash of a byte range, eight bytes at a time (a multiply-xorshift mix per word).
std::uint64_t mix_bytes(std::uint64_t h, const void* data, size_t n) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, p + i, n - i);
  h = (h ^ tail ^ (std::uint64_t(n) << 56)) * kMul;
  return h ^ (h >> 32);
}

bool has_callbacks(const ImDrawList& list) {
  for (const ImDrawCmd& c : list.CmdBuffer)
    if (c.UserCallback) return true;
  return false;
}

}  // namespace

void render_lists(const ImDrawData* dd, ImDrawList* const* lists, int count, ImVec2 pos,
                  ImVec2 size) {
  if (count <= 0) return;
  ImDrawData part;
  part.Valid = true;
  part.CmdLists = const_cast<ImDrawList**>(lists);
  part.CmdListsCount = count;
  for (int i = 0; i < count; ++i) {
    part.TotalVtxCount += lists[i]->VtxBuffer.Size;
    part.TotalIdxCount += lists[i]->IdxBuffer.Size;
  }
  part.DisplayPos = pos;
  part.DisplaySize = size;
  part.FramebufferScale = dd->FramebufferScale;
  ImGui_ImplOpenGL3_RenderDrawData(&part);
}

std::uint64_t RetainedRenderer::hash_draw_list(const ImDrawList& list) {
  std::uint64_t h = 0x243F6A8885A308D3ull;
  h = mix_bytes(h, list.VtxBuffer.Data, size_t(list.VtxBuffer.Size) * sizeof(ImDrawVert));
  h = mix_bytes(h, list.IdxBuffer.Data, size_t(list.IdxBuffer.Size) * sizeof(ImDrawIdx));
  for (const ImDrawCmd& c : list.CmdBuffer) {
    const struct {
      ImVec4 clip;
      std::uint64_t texture;
      unsigned vtx_offset, idx_offset, elements;
    } key{c.ClipRect, std::uint64_t(reinterpret_cast<std::uintptr_t>(c.TextureId)), c.VtxOffset,
          c.IdxOffset, c.ElemCount};
    h = mix_bytes(h, &key, sizeof key);
  }
  return h;
}

RetainedRenderer::RetainedRenderer(std::vector<std::string> cached_windows, ImVec4 clear_color)
    : names_(std::move(cached_windows)), clear_(clear_color) {}

RetainedRenderer::~RetainedRenderer() {
  for (auto& [name, l] : layers_) {
    if (l.fbo) glDeleteFramebuffers(1, &l.fbo);
    if (l.color) glDeleteTextures(1, &l.color);
  }
}

void RetainedRenderer::render(ImDrawData* dd) {
  if (!dd || !dd->Valid || dd->CmdListsCount == 0) return;
  const ImVec2 scale = dd->FramebufferScale;
  const int fb_h = int(std::lround(dd->DisplaySize.y * scale.y));
  GLint target_fbo = 0;
  glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &target_fbo);
  int pending = 0;  // lists [first_pending, i) are drawn directly, in one backend call
  int first_pending = 0;
  const auto flush = [&](int end) {
    render_lists(dd, dd->CmdLists + first_pending, end - first_pending, dd->DisplayPos,
                 dd->DisplaySize);
    pending = 0;
  };
  for (int i = 0; i < dd->CmdListsCount; ++i) {
    ImDrawList* list = dd->CmdLists[i];
    const char* owner = list->_OwnerName;
    const bool named = owner && std::find(names_.begin(), names_.end(), owner) != names_.end();
    ImGuiWindow* window = named ? ImGui::FindWindowByName(owner) : nullptr;
    if (!window || has_callbacks(*list)) {
      if (pending++ == 0) first_pending = i;
      continue;
    }
    if (pending > 0) flush(i);
    // The window's region on whole framebuffer pixels.
    const int x0 = int(std::floor((window->Pos.x - dd->DisplayPos.x) * scale.x));
    const int y0 = int(std::floor((window->Pos.y - dd->DisplayPos.y) * scale.y));
    const int x1 = int(std::ceil((window->Pos.x + window->Size.x - dd->DisplayPos.x) * scale.x));
    const int y1 = int(std::ceil((window->Pos.y + window->Size.y - dd->DisplayPos.y) * scale.y));
    const int w = x1 - x0, h = y1 - y0;
    if (w <= 0 || h <= 0) continue;
    Layer& l = layers_[owner];
    const std::uint64_t hash = mix_bytes(hash_draw_list(*list), &dd->DisplayPos, sizeof(ImVec2)) ^
                               std::uint64_t(x0) ^ (std::uint64_t(y0) << 20) ^
                               (std::uint64_t(w) << 40);
    if (!l.valid || l.hash != hash || l.width != w || l.height != h) {
      if (l.width != w || l.height != h || !l.color) {
        allocate_rgba_target(l.fbo, l.color, w, h);
        l.width = w, l.height = h;
      }
      glBindFramebuffer(GL_FRAMEBUFFER, l.fbo);
      const GLboolean scissor = glIsEnabled(GL_SCISSOR_TEST);
      glDisable(GL_SCISSOR_TEST);
      glClearColor(clear_.x, clear_.y, clear_.z, clear_.w);
      glClear(GL_COLOR_BUFFER_BIT);
      if (scissor) glEnable(GL_SCISSOR_TEST);
      // The window alone, with the display origin at the region's corner.
      const ImVec2 pos(dd->DisplayPos.x + float(x0) / scale.x,
                       dd->DisplayPos.y + float(y0) / scale.y);
      render_lists(dd, &dd->CmdLists[i], 1, pos, ImVec2(float(w) / scale.x, float(h) / scale.y));
      glBindFramebuffer(GL_FRAMEBUFFER, GLuint(target_fbo));
      l.hash = hash;
      l.valid = true;
      ++stats_[owner].rendered;
    } else {
      ++stats_[owner].reused;
    }
    // Copy the region into place (same orientation: both have row 0 at the bottom).
    GLint read_fbo = 0;
    glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &read_fbo);
    const GLboolean scissor = glIsEnabled(GL_SCISSOR_TEST);
    glDisable(GL_SCISSOR_TEST);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, l.fbo);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, GLuint(target_fbo));
    glBlitFramebuffer(0, 0, w, h, x0, fb_h - y1, x1, fb_h - y0, GL_COLOR_BUFFER_BIT, GL_NEAREST);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, GLuint(read_fbo));
    if (scissor) glEnable(GL_SCISSOR_TEST);
  }
  if (pending > 0) flush(dd->CmdListsCount);
}

}  // namespace ss::gfx
