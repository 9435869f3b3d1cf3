// The shared escape check: are samples still somewhere a target's ground truth can speak about?
//
// A sampler that blows up does not always produce NaN first: a chain on a `tan` formula can sit at
// x = 7e4, a DFT generator on a heavy-tailed target can move its mass to ‖x‖ ≈ 3e4, a stiff target
// (−(x² + y²)/1e-12) throws particles to ±5e212 — all finite, all far from anything the target's
// view box, its grid reference and its metrics describe. The engine (at every canvas refresh and
// every metric pass, on points it touches anyway) and the samplers (in their own per-step checks)
// call escape_reason(); a non-empty answer stops the run as `diverged` with that reason.
//
// The escape region is generous on purpose: the square centred on the view box's centre with
// half-side kEscapeBoxMultiple × (the larger half-side of the view box). The view box holds at
// least 99.9 % of a target's mass (core/targets/target.h), so no sampler that is doing its job
// comes near it on the built-in targets; a user formula with tails heavier than its box admits
// (e.g. a Cauchy density) can be stopped there, by design: beyond it the reference, the heat map
// and every metric are blind.
#pragma once

#include <string>
#include <string_view>

#include "core/common/types.h"

namespace ss {

/// Half-side of the escape square in units of the view box's larger half-side.
inline constexpr double kEscapeBoxMultiple = 1000;

/// The escape square of a view box (see above): centre of `view` ± kEscapeBoxMultiple ·
/// max(width, height)/2 on both axes.
Box escape_box(const Box& view);

/// "" when every row of `points` is finite and inside escape_box(view); otherwise why not, naming
/// the first offending point, e.g. "sample positions became non-finite" or "sample at (7.1e4, 0.3)
/// escaped far outside the view box (beyond ±5e3 around its centre; limit: 1000 × the box)".
/// `what` names the points ("sample", "particle", "chain state"). O(rows), no allocation when
/// everything is fine. An empty set passes.
std::string escape_reason(const Points& points, const Box& view, std::string_view what = "sample");

}  // namespace ss
