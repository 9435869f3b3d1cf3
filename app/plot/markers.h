// Markers: cheap, round sample points for the canvases. Thousands of points per frame are drawn
// as one textured quad each (4 vertices, 6 indices, written straight into the draw list with
// PrimReserve) instead of ImDrawList circles or two rectangles per point: on a software
// rasterizer (Mesa llvmpipe under Xvfb) the vertex count is what a frame costs.
//
// The quads sample small anti-aliased disc sprites (white fill, dark rim) baked into Dear ImGui's
// font atlas as custom rectangles, so they share the font texture and need no extra draw call or
// texture switch. The vertex colour tints the fill and leaves the rim dark. Without sprites (a
// headless context, or the atlas built before add_marker_sprites() was called) draw_markers()
// falls back to one filled square per point.
#pragma once

#include <imgui.h>

#include <span>
#include <vector>

namespace ss::plot {

/// Largest sprite diameter baked into the atlas, in pixels; bigger markers scale this one up.
inline constexpr int kMaxMarkerSprite = 16;

/// The disc sprite of diameter d (clamped to 1..kMaxMarkerSprite) as (d + 2)² RGBA32 pixels
/// (IM_COL32 layout, top row first): the image add_marker_sprites() bakes into the atlas, also
/// used by the software canvas layer (app/plot/raster.h) so both draw identical markers.
const std::vector<unsigned>& marker_sprite(int d);

/// Adds disc sprites of diameters 1..kMaxMarkerSprite pixels to `atlas`, builds it and writes
/// their pixels. Call once, after the fonts were added and before the renderer backend uploads
/// the font texture. Returns false (and markers fall back to squares) if the atlas cannot hold
/// them.
bool add_marker_sprites(ImFontAtlas* atlas);
/// True when sprites were baked into the current ImGui context's font atlas.
bool marker_sprites_ready();
/// Forgets the sprites (call when the atlas they live in is destroyed or rebuilt).
void reset_marker_sprites();

/// Draws a round marker of `diameter` pixels (fill plus a dark rim about 0.7 px wide) at every
/// screen point in `centers`, in colour `col`. The caller culls points outside its clip rectangle.
void draw_markers(ImDrawList* dl, std::span<const ImVec2> centers, float diameter, ImU32 col);

}  // namespace ss::plot
