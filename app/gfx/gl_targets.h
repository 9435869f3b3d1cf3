// Small OpenGL helpers shared by the renderers in app/gfx.
#pragma once

namespace ss::gfx {

/// (Re)allocates `color` as a w × h RGBA8 texture with nearest-texel filtering, filled from
/// `pixels` (RGBA bytes, GL's row order) or left undefined when null, and attaches it to the
/// framebuffer `fbo` as its colour buffer; either name is created first when it is 0. The
/// texture and framebuffer bindings are restored. Needs a current OpenGL 3.3 context.
void allocate_rgba_target(unsigned& fbo, unsigned& color, int w, int h,
                          const void* pixels = nullptr);

}  // namespace ss::gfx
