// Initial positions shared by the particle and chain methods (SVGD, ULA/MALA, flowMC).
//
// Kinds (the value of each method's `init` knob, in this order):
//   normal — N(c, s²I) with c = (init_x, init_y) (default (0, 0)) and s = init_scale;
//   box    — uniform over the target's view box (s, c unused);
//   point  — every point at c, plus N(0, s²I) jitter (s = 0 allowed for chains: all identical);
//   mode   — every point at a mode, plus N(0, s²I) jitter: for Gaussian mixtures the mean of
//            component `init_mode` (components in the target's order; index clamped), otherwise
//            the highest cell centre of a 128×128 grid over the view box.
// Draws are serial from the caller's Rng (two normals or two uniforms per point, row by row), so
// the result depends only on the seed.
#pragma once

#include <string>
#include <vector>

#include "core/common/params.h"
#include "core/common/rng.h"
#include "core/common/types.h"
#include "core/targets/target.h"

namespace ss {

enum class InitKind { normal = 0, box = 1, point = 2, mode = 3 };

/// Choice names of the `init` knob, in InitKind order.
const std::vector<std::string>& init_kind_names();

/// Settings of the initial distribution.
struct InitSpec {
  InitKind kind = InitKind::normal;
  double scale = 1.0;          ///< s: normal std, or jitter std for point/mode (≥ 0)
  Vec2 center = Vec2::Zero();  ///< c: normal centre and the point of `point`
  int mode_index = 0;          ///< component index for `mode` on mixtures
};

/// The point `mode` starts from (see above).
Vec2 init_mode_location(const Target& target, int mode_index);

/// Appends the knobs init, init_scale, init_x, init_y, init_mode to a method's table.
void append_init_params(ParamTable& table, InitKind default_kind, double default_scale,
                        double min_scale);

/// Reads those knobs back.
InitSpec init_spec_from(const ParamValues& values);

/// Writes rows [from, out.rows()) of out with draws from the initial distribution.
void draw_initial_points(const Target& target, const InitSpec& spec, Rng& rng, Points& out,
                         Eigen::Index from = 0);

}  // namespace ss
