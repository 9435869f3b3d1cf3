// The noise level of DFT derived from the target (issue 14): the denoising Fisher objective is
// minimized by the target deconvolved by N(0, σ²I), which exists only while σ is below the
// target's narrowest width where its mass is; above it the optimum is a different, blurred law
// (on Rosenbrock a blob at the bottom of the valley). So the default σ is a fixed fraction of that
// width, measured on the target itself:
//
//   w(x)   = 1 / √λ_max(−H_q(x))   the local standard deviation across the stiffest direction
//                                  (+∞ where −H_q has no positive eigenvalue: no local width);
//   w_α    = the α-quantile of w over the target's mass (exact draws from a 256² grid reference,
//            kTargetWidthDraws of them, fixed seed: deterministic);
//   σ_auto = kSigmaWidthFraction · w_α.
//
// Analytic checks (tests/samplers/dft_noise_test.cpp): a Gaussian N(μ, Σ) has w ≡ √λ_min(Σ);
// the donut −(r − R)²/s² has w = √(s²/2) on the ring (curvature 2/s² across it); Rosenbrock
// −[(a − x₁)² + b(x₂ − x₁²)²]/T has w ≈ √(T/(2b)) / √(1 + 4x₁²) across its valley.
#pragma once

#include <memory>

#include "core/targets/target.h"

namespace ss {

/// Mass quantile α of the default noise level (the narrow end of the target, not its narrowest
/// corner: a funnel's neck holds little mass).
inline constexpr double kTargetWidthQuantile = 0.1;
/// σ_auto / w_α.
inline constexpr double kSigmaWidthFraction = 0.5;
/// Exact draws the quantile is estimated from.
inline constexpr int kTargetWidthDraws = 4000;

/// The α-quantile (0 < α < 1) of the local width w(x) = 1/√λ_max(−H_q(x)) over the target's mass,
/// estimated from `draws` exact samples of its grid reference at `resolution` cells per side
/// (Rng seed fixed: the same target always gives the same value). Throws std::runtime_error when
/// the grid reference cannot be computed (non-finite normalizer) and std::invalid_argument for α
/// outside (0, 1). Returns +∞ when fewer than an α share of the draws have a finite width (a
/// target with no curvature anywhere). Cost: one grid reference and `draws` Hessians (≈ 0.1 s).
double target_width_quantile(std::shared_ptr<const Target> target, double alpha,
                             int draws = kTargetWidthDraws, int resolution = 256);

/// σ_auto = kSigmaWidthFraction · target_width_quantile(target, kTargetWidthQuantile), clamped to
/// [1e-3, 2] (the range of the sigma knob); the knob's upper end when the width is infinite.
double derived_sigma(std::shared_ptr<const Target> target);
/// The same from a width already computed: kSigmaWidthFraction · w clamped to [1e-3, 2] (2 when w
/// is infinite).
double derived_sigma_from_width(double width);

}  // namespace ss
