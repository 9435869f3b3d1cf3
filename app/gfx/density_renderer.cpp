#include "app/gfx/density_renderer.h"

#include <GL/gl.h>
#include <GL/glext.h>

#include <fstream>
#include <sstream>

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
  records_.push_back(Record{this, it->second.id, top_left, bottom_right, style});
  dl->AddCallback(&DensityRenderer::callback, &records_.back());
  dl->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
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
  glEnable(GL_SCISSOR_TEST);
  glScissor(GLint(x0), GLint(fb_h - y1), GLsizei(x1 - x0), GLsizei(y1 - y0));
  glEnable(GL_BLEND);
  glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
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
