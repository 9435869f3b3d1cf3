// Iso-lines of a gridded scalar field by marching squares, for the software canvas layer (the
// flow-density contours of flowMC's overlay): a few hundred short segments instead of a shader
// pass over every pixel of the canvas each time the flow changes.
#pragma once

#include <array>
#include <span>
#include <vector>

namespace ss::plot {

/// One segment (x0, y0, x1, y1) in grid coordinates: x = column index, y = row index.
using Segment = std::array<float, 4>;

/// Appends to `out` the segments of the iso-line {f = level} of the bilinear interpolant of the
/// nx × ny grid `f` (row-major, row r at y = r). Cells with a non-finite corner are skipped (a
/// log density may be −inf). Saddle cells are resolved by the value at the cell centre, so the
/// lines of neighbouring cells join up and never cross.
void iso_segments(std::span<const float> f, int nx, int ny, float level, std::vector<Segment>& out);

}  // namespace ss::plot
