#include "app/gfx/density_renderer.h"

#include <GL/gl.h>
#include <GL/glext.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "app/gfx/gl_targets.h"

namespace ss::gfx {

namespace {

bool read_text(const std::string& path, std::string& out) {
  std::ifstream f(path);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

unsigned compile(GLenum type, const std::string& src, const std::string& name, std::string& err) {
  const GLuint s = glCreateShader(type);
  const char* p = src.c_str();
  glShaderSource(s, 1, &p, nullptr);
  glCompileShader(s);
  GLint ok = 0;
  glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    char log[2048] = {0};
    glGetShaderInfoLog(s, sizeof log, nullptr, log);
    err = "shader " + name + " does not compile: " + log;
    glDeleteShader(s);
    return 0;
  }
  return s;
}

}  // namespace

DensityRenderer::DensityRenderer(const std::string& shader_dir) {
  std::string vs, fs;
  const std::string vpath = shader_dir + "/density.vert", fpath = shader_dir + "/density.frag";
  if (!read_text(vpath, vs)) {
    error_ = "cannot read shader " + vpath;
    return;
  }
  if (!read_text(fpath, fs)) {
    error_ = "cannot read shader " + fpath;
    return;
  }
  const GLuint v = compile(GL_VERTEX_SHADER, vs, vpath, error_);
  if (!v) return;
  const GLuint f = compile(GL_FRAGMENT_SHADER, fs, fpath, error_);
  if (!f) {
    glDeleteShader(v);
    return;
  }
  const GLuint prog = glCreateProgram();
  glAttachShader(prog, v);
  glAttachShader(prog, f);
  glLinkProgram(prog);
  glDeleteShader(v);
  glDeleteShader(f);
  GLint ok = 0;
  glGetProgramiv(prog, GL_LINK_STATUS, &ok);
  if (!ok) {
    char log[2048] = {0};
    glGetProgramInfoLog(prog, sizeof log, nullptr, log);
    error_ = std::string("density shader program does not link: ") + log;
    glDeleteProgram(prog);
    return;
  }
  program_ = prog;
  glGenVertexArrays(1, &vao_);
  glGenBuffers(1, &vbo_);
  glBindVertexArray(vao_);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  glBufferData(GL_ARRAY_BUFFER, 16 * sizeof(float), nullptr, GL_DYNAMIC_DRAW);
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 4 * sizeof(float), nullptr);
  glEnableVertexAttribArray(1);
  glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, 4 * sizeof(float),
                        reinterpret_cast<void*>(2 * sizeof(float)));
  glBindVertexArray(0);
}

DensityRenderer::~DensityRenderer() {
  for (auto& [key, im] : images_) {
    glDeleteFramebuffers(1, &im.fbo);
    glDeleteTextures(1, &im.texture);
  }
  for (auto& [key, c] : cached_) {
    glDeleteFramebuffers(1, &c.fbo);
    glDeleteTextures(1, &c.color);
  }
  for (auto& [slot, t] : textures_) glDeleteTextures(1, &t.id);
  if (vbo_) glDeleteBuffers(1, &vbo_);
  if (vao_) glDeleteVertexArrays(1, &vao_);
  if (program_) glDeleteProgram(program_);
}

void DensityRenderer::upload(int slot, std::uint64_t version, const float* values, int nx, int ny) {
  if (!ok() || nx <= 0 || ny <= 0 || !values) return;
  Texture& t = textures_[slot];
  if (t.id && t.version == version) return;
  GLint last_texture = 0;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &last_texture);
  if (!t.id) glGenTextures(1, &t.id);
  glBindTexture(GL_TEXTURE_2D, t.id);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, nx, ny, 0, GL_RED, GL_FLOAT, values);
  glBindTexture(GL_TEXTURE_2D, GLuint(last_texture));
  t.version = version;
}

void DensityRenderer::draw(ImDrawList* dl, int slot, ImVec2 top_left, ImVec2 bottom_right,
                           const HeatmapStyle& style) {
  const auto it = textures_.find(slot);
  if (!ok() || it == textures_.end()) return;
  records_.push_back(
      Record{this, it->second.id, top_left, bottom_right, style, it->second.version});
  dl->AddCallback(&DensityRenderer::callback, &records_.back());
  dl->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
}

namespace {
bool same_style(const HeatmapStyle& a, const HeatmapStyle& b) {
  return a.mode == b.mode && a.colormap == b.colormap && a.log_scale == b.log_scale &&
         a.max_value == b.max_value && a.decades == b.decades && a.contours == b.contours &&
         a.alpha == b.alpha && a.background.x == b.background.x &&
         a.background.y == b.background.y && a.background.z == b.background.z &&
         a.background.w == b.background.w && a.line_color.x == b.line_color.x &&
         a.line_color.y == b.line_color.y && a.line_color.z == b.line_color.z &&
         a.line_color.w == b.line_color.w;
}
bool near(ImVec2 a, ImVec2 b) {
  return std::abs(a.x - b.x) < 0.01f && std::abs(a.y - b.y) < 0.01f;
}
}  // namespace

const DensityRenderer::CachedImage* DensityRenderer::render_cached(
    int cache_key, int slot, ImVec2 canvas_min, ImVec2 canvas_max, ImVec2 top_left,
    ImVec2 bottom_right, const HeatmapStyle& style, float fb_scale, bool want_pixels) {
  const auto it = textures_.find(slot);
  if (!ok() || it == textures_.end()) return nullptr;
  const int w = std::max(1, int(std::lround((canvas_max.x - canvas_min.x) * fb_scale)));
  const int h = std::max(1, int(std::lround((canvas_max.y - canvas_min.y) * fb_scale)));
  const ImVec2 ra(top_left.x - canvas_min.x, top_left.y - canvas_min.y);
  const ImVec2 rb(bottom_right.x - canvas_min.x, bottom_right.y - canvas_min.y);
  Cached& c = cached_[cache_key];
  const bool resized = c.width != w || c.height != h;
  if (resized) {
    allocate_rgba_target(c.fbo, c.color, w, h);
    c.width = w, c.height = h;
  }
  if (resized || c.version != it->second.version || !same_style(c.style, style) ||
      !near(c.box_a, ra) || !near(c.box_b, rb)) {
    GLint last_fbo = 0, last_program = 0, last_vao = 0, last_texture = 0, viewport[4];
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &last_fbo);
    glGetIntegerv(GL_CURRENT_PROGRAM, &last_program);
    glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &last_vao);
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &last_texture);
    glGetIntegerv(GL_VIEWPORT, viewport);
    const GLboolean blend = glIsEnabled(GL_BLEND), scissor = glIsEnabled(GL_SCISSOR_TEST);
    glBindFramebuffer(GL_FRAMEBUFFER, c.fbo);
    glViewport(0, 0, w, h);
    glDisable(GL_SCISSOR_TEST);
    glDisable(GL_BLEND);  // store straight (not premultiplied) colour and alpha
    glClearColor(style.background.x, style.background.y, style.background.z, style.background.w);
    glClear(GL_COLOR_BUFFER_BIT);
    Record r{this, it->second.id, ra, rb, style};
    render_quad(r, ImVec2(0, 0), ImVec2(canvas_max.x - canvas_min.x, canvas_max.y - canvas_min.y));
    glBindFramebuffer(GL_FRAMEBUFFER, GLuint(last_fbo));
    glViewport(viewport[0], viewport[1], viewport[2], viewport[3]);
    glUseProgram(GLuint(last_program));
    glBindVertexArray(GLuint(last_vao));
    glBindTexture(GL_TEXTURE_2D, GLuint(last_texture));
    if (blend) glEnable(GL_BLEND);
    if (scissor) glEnable(GL_SCISSOR_TEST);
    c.version = it->second.version, c.style = style, c.box_a = ra, c.box_b = rb;
    c.image.version = ++image_counter_;
    c.image.width = w, c.image.height = h;
    c.image.pixels.clear();  // read back again on request
  }
  if (want_pixels && c.image.pixels.empty()) {
    // Read back once per render, flipped to top row first (GL's row 0 is the bottom).
    std::vector<std::uint32_t>& px = c.image.pixels;
    px.resize(size_t(w) * size_t(h));
    GLint last_fbo = 0;
    glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &last_fbo);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, c.fbo);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glPixelStorei(GL_PACK_ROW_LENGTH, 0);
    glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    glBindFramebuffer(GL_READ_FRAMEBUFFER, GLuint(last_fbo));
    for (int y = 0; y < h / 2; ++y)
      std::swap_ranges(px.begin() + std::ptrdiff_t(y) * w, px.begin() + std::ptrdiff_t(y + 1) * w,
                       px.begin() + std::ptrdiff_t(h - 1 - y) * w);
  }
  return &c.image;
}

void DensityRenderer::draw_cached(ImDrawList* dl, int cache_key, int slot, ImVec2 canvas_min,
                                  ImVec2 canvas_max, ImVec2 top_left, ImVec2 bottom_right,
                                  const HeatmapStyle& style, float fb_scale) {
  if (!render_cached(cache_key, slot, canvas_min, canvas_max, top_left, bottom_right, style,
                     fb_scale, false))
    return;
  const Cached& c = cached_[cache_key];
  // The image's row 0 is the canvas's bottom: flip v. With a transparent background only the
  // part over the grid's box is drawn (fewer blended fragments on a software rasterizer).
  ImVec2 q0 = canvas_min, q1 = canvas_max;
  if (style.background.w <= 0) {
    q0 = ImVec2(std::max(q0.x, std::floor(top_left.x)), std::max(q0.y, std::floor(top_left.y)));
    q1 = ImVec2(std::min(q1.x, std::ceil(bottom_right.x)),
                std::min(q1.y, std::ceil(bottom_right.y)));
    if (q1.x <= q0.x || q1.y <= q0.y) return;
  } else {
    // An opaque image is copied, not drawn: no blending, no texture sampling.
    queue_blit(dl, c.fbo, canvas_min, canvas_max, fb_scale, float(c.height), false,
               c.image.version);
    return;
  }
  const float cw = canvas_max.x - canvas_min.x, ch = canvas_max.y - canvas_min.y;
  dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(c.color)), q0, q1,
               ImVec2((q0.x - canvas_min.x) / cw, 1 - (q0.y - canvas_min.y) / ch),
               ImVec2((q1.x - canvas_min.x) / cw, 1 - (q1.y - canvas_min.y) / ch));
}

void DensityRenderer::upload_image(int key, const std::uint32_t* pixels, int w, int h) {
  if (!ok() || w <= 0 || h <= 0 || !pixels) return;
  Image& im = images_[key];
  im.version = ++image_counter_;
  if (im.width != w || im.height != h) {
    allocate_rgba_target(im.fbo, im.texture, w, h, pixels);
    im.width = w, im.height = h;
    return;
  }
  GLint last_texture = 0;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &last_texture);
  glBindTexture(GL_TEXTURE_2D, im.texture);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
  glBindTexture(GL_TEXTURE_2D, GLuint(last_texture));
}

void DensityRenderer::drop_grid(int slot) {
  const auto it = textures_.find(slot);
  if (it == textures_.end()) return;
  if (it->second.id) glDeleteTextures(1, &it->second.id);
  textures_.erase(it);
}

void DensityRenderer::drop_cached(int cache_key) {
  const auto it = cached_.find(cache_key);
  if (it == cached_.end()) return;
  if (it->second.fbo) glDeleteFramebuffers(1, &it->second.fbo);
  if (it->second.color) glDeleteTextures(1, &it->second.color);
  cached_.erase(it);
}

void DensityRenderer::drop_image(int key) {
  const auto it = images_.find(key);
  if (it == images_.end()) return;
  if (it->second.fbo) glDeleteFramebuffers(1, &it->second.fbo);
  if (it->second.texture) glDeleteTextures(1, &it->second.texture);
  images_.erase(it);
}

void DensityRenderer::draw_image(ImDrawList* dl, int key, ImVec2 min, ImVec2 max, float fb_scale) {
  const auto it = images_.find(key);
  if (!ok() || it == images_.end()) return;
  // Uploaded top row first, so the texture's row 0 is the image's top: a flipped copy.
  queue_blit(dl, it->second.fbo, min, max, fb_scale, float(it->second.height), true,
             it->second.version);
}

void DensityRenderer::queue_blit(ImDrawList* dl, unsigned fbo, ImVec2 min, ImVec2 max,
                                 float fb_scale, float image_h, bool top_row_first,
                                 std::uint64_t content) {
  blits_.push_back(Blit{fbo, min, max, fb_scale, image_h, top_row_first, content});
  dl->AddCallback(&DensityRenderer::blit_callback, &blits_.back());
  dl->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
}

bool DensityRenderer::blit_rects(const Blit& b, const ImVec4& clip, int src[4], int dst[4]) {
  const ImDrawData* dd = ImGui::GetDrawData();
  if (!dd) return false;
  // The part of the image inside the clip rectangle, in display coordinates.
  const float x0 = std::max(b.min.x, clip.x), y0 = std::max(b.min.y, clip.y);
  const float x1 = std::min(b.max.x, clip.z), y1 = std::min(b.max.y, clip.w);
  if (x1 <= x0 || y1 <= y0) return false;
  const ImVec2 pos = dd->DisplayPos, scale = dd->FramebufferScale;
  const float fb_h = dd->DisplaySize.y * scale.y;
  const auto px = [](float v) { return int(std::lround(v)); };
  // Source rows measured from the image's top; GL counts them from the texture's row 0.
  const float sx0 = (x0 - b.min.x) * b.fb_scale, sx1 = (x1 - b.min.x) * b.fb_scale;
  const float top = (y0 - b.min.y) * b.fb_scale, bottom = (y1 - b.min.y) * b.fb_scale;
  const float ih = b.image_h;
  src[0] = px(sx0), src[2] = px(sx1);
  src[1] = b.top_row_first ? px(bottom) : px(ih - bottom);
  src[3] = b.top_row_first ? px(top) : px(ih - top);
  dst[0] = px((x0 - pos.x) * scale.x), dst[2] = px((x1 - pos.x) * scale.x);
  dst[1] = px(fb_h - (y1 - pos.y) * scale.y), dst[3] = px(fb_h - (y0 - pos.y) * scale.y);
  return true;
}

void DensityRenderer::blit_callback(const ImDrawList*, const ImDrawCmd* cmd) {
  const Blit* b = static_cast<const Blit*>(cmd->UserCallbackData);
  int src[4], dst[4];
  if (!blit_rects(*b, cmd->ClipRect, src, dst)) return;
  GLint draw_fbo = 0, read_fbo = 0;
  glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &draw_fbo);
  glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &read_fbo);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, b->fbo);
  // Clipped above; the backend sets the scissor again after the callback.
  if (limited_) {
    glEnable(GL_SCISSOR_TEST);
    glScissor(limit_[0], limit_[1], limit_[2] - limit_[0], limit_[3] - limit_[1]);
  } else {
    glDisable(GL_SCISSOR_TEST);
  }
  glBlitFramebuffer(src[0], src[1], src[2], src[3], dst[0], dst[1], dst[2], dst[3],
                    GL_COLOR_BUFFER_BIT, GL_NEAREST);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, GLuint(read_fbo));
  glBindFramebuffer(GL_DRAW_FRAMEBUFFER, GLuint(draw_fbo));
}

bool DensityRenderer::limited_ = false;
int DensityRenderer::limit_[4] = {0, 0, 0, 0};

void DensityRenderer::limit_callbacks_to(const int* rect) {
  limited_ = rect != nullptr;
  if (rect) std::copy(rect, rect + 4, limit_);
}

namespace {
std::uint64_t mix(std::uint64_t h, const void* data, size_t n) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001B3ull;  // FNV-1a
  return h;
}
}  // namespace

bool DensityRenderer::describe_callback(const ImDrawCmd& cmd, std::uint64_t& content,
                                        int opaque[4]) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  opaque[0] = opaque[1] = opaque[2] = opaque[3] = 0;
  if (cmd.UserCallback == &DensityRenderer::blit_callback) {
    const Blit& b = *static_cast<const Blit*>(cmd.UserCallbackData);
    int src[4] = {0, 0, 0, 0}, dst[4] = {0, 0, 0, 0};
    const bool drawn = blit_rects(b, cmd.ClipRect, src, dst);
    h = mix(h, &b.fbo, sizeof b.fbo);
    h = mix(h, &b.content, sizeof b.content);
    h = mix(h, src, sizeof src);
    h = mix(h, dst, sizeof dst);
    h = mix(h, &drawn, sizeof drawn);
    // A blit overwrites every pixel of its destination (no blending).
    if (drawn) std::copy(dst, dst + 4, opaque);
  } else if (cmd.UserCallback == &DensityRenderer::callback) {
    const Record& r = *static_cast<const Record*>(cmd.UserCallbackData);
    const HeatmapStyle& st = r.style;
    const float f[] = {r.a.x,           r.a.y,           r.b.x,           r.b.y,
                       st.max_value,    st.decades,      st.alpha,        st.line_color.x,
                       st.line_color.y, st.line_color.z, st.line_color.w, cmd.ClipRect.x,
                       cmd.ClipRect.y,  cmd.ClipRect.z,  cmd.ClipRect.w};
    const int i[] = {st.mode, st.colormap, st.log_scale ? 1 : 0, st.contours};
    h = mix(h, &r.texture, sizeof r.texture);
    h = mix(h, &r.version, sizeof r.version);
    h = mix(h, f, sizeof f);
    h = mix(h, i, sizeof i);
  } else {
    return false;
  }
  content = h;
  return true;
}

void DensityRenderer::callback(const ImDrawList*, const ImDrawCmd* cmd) {
  const Record* r = static_cast<const Record*>(cmd->UserCallbackData);
  r->owner->render(*r, cmd->ClipRect);
}

void DensityRenderer::render(const Record& r, const ImVec4& clip) {
  const ImDrawData* dd = ImGui::GetDrawData();
  if (!dd) return;
  const ImVec2 pos = dd->DisplayPos, size = dd->DisplaySize, scale = dd->FramebufferScale;
  const float fb_h = size.y * scale.y;
  const float x0 = (clip.x - pos.x) * scale.x, y0 = (clip.y - pos.y) * scale.y;
  const float x1 = (clip.z - pos.x) * scale.x, y1 = (clip.w - pos.y) * scale.y;
  if (x1 <= x0 || y1 <= y0) return;
  GLint sx0 = GLint(x0), sy0 = GLint(fb_h - y1);
  GLint sx1 = sx0 + GLsizei(x1 - x0), sy1 = sy0 + GLsizei(y1 - y0);
  if (limited_) {
    sx0 = std::max(sx0, limit_[0]), sy0 = std::max(sy0, limit_[1]);
    sx1 = std::min(sx1, limit_[2]), sy1 = std::min(sy1, limit_[3]);
    if (sx1 <= sx0 || sy1 <= sy0) return;
  }
  glEnable(GL_SCISSOR_TEST);
  glScissor(sx0, sy0, sx1 - sx0, sy1 - sy0);
  glEnable(GL_BLEND);
  glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
  render_quad(r, pos, size);
}

void DensityRenderer::render_quad(const Record& r, ImVec2 pos, ImVec2 size) {
  glUseProgram(program_);
  glUniform2f(glGetUniformLocation(program_, "u_display_pos"), pos.x, pos.y);
  glUniform2f(glGetUniformLocation(program_, "u_display_size"), size.x, size.y);
  glUniform1i(glGetUniformLocation(program_, "u_texture"), 0);
  const HeatmapStyle& s = r.style;
  glUniform1i(glGetUniformLocation(program_, "u_mode"), s.mode);
  glUniform1i(glGetUniformLocation(program_, "u_colormap"), s.colormap);
  glUniform1i(glGetUniformLocation(program_, "u_log"), s.log_scale ? 1 : 0);
  glUniform1f(glGetUniformLocation(program_, "u_max"), s.max_value);
  glUniform1f(glGetUniformLocation(program_, "u_decades"), s.decades);
  glUniform1i(glGetUniformLocation(program_, "u_contours"), s.contours);
  glUniform1f(glGetUniformLocation(program_, "u_alpha"), s.alpha);
  glUniform4f(glGetUniformLocation(program_, "u_line_color"), s.line_color.x, s.line_color.y,
              s.line_color.z, s.line_color.w);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, r.texture);
  // Quad: (x, y, u, v); v = 0 at the bottom of the box (row 0 of the grid).
  const float q[16] = {r.a.x, r.b.y, 0, 0, r.b.x, r.b.y, 1, 0,
                       r.a.x, r.a.y, 0, 1, r.b.x, r.a.y, 1, 1};
  glBindVertexArray(vao_);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  glBufferSubData(GL_ARRAY_BUFFER, 0, sizeof q, q);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
}

}  // namespace ss::gfx
