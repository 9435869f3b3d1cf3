#include "app/gfx/gl_targets.h"

#include <GL/gl.h>
#include <GL/glext.h>

namespace ss::gfx {

void allocate_rgba_target(unsigned& fbo, unsigned& color, int w, int h, const void* pixels) {
  if (!fbo) glGenFramebuffers(1, &fbo);
  if (!color) glGenTextures(1, &color);
  GLint last_texture = 0, last_fbo = 0;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &last_texture);
  glGetIntegerv(GL_FRAMEBUFFER_BINDING, &last_fbo);
  glBindTexture(GL_TEXTURE_2D, color);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, color, 0);
  glBindFramebuffer(GL_FRAMEBUFFER, GLuint(last_fbo));
  glBindTexture(GL_TEXTURE_2D, GLuint(last_texture));
}

}  // namespace ss::gfx
