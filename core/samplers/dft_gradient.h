// The denoising Fisher generator gradient of DFT (dft.md §3.2–3.3), factored out of the sampler so
// that it can be called with any score model of the noised sampler distribution: the sampler passes
// its score network S_φ, the tests pass the exact score of a linear-Gaussian sampler.
//
// Notation: x0 = g_θ(z), x_σ = x0 + σ ε, t = −ε/σ (a per-sample constant), s_q and H_q the target's
// score and Hessian, S the (frozen) score of the noised sampler p_{θ,σ}. The DFT surrogate loss is
//   L = mean_i [ ‖s_q(x_σ,i) − t_i‖² − ‖S(x_σ,i) − t_i‖² ],
// whose θ-gradient equals that of the denoising Fisher divergence E‖s_q − s_{θ,σ}‖² when S =
// s_{θ,σ}. Per sample, the upstream gradient with respect to x_σ (back-propagated through g_θ by
// the caller) is
//   full:    v = 2 H_q (s_q − t) − 2 J_Sᵀ (S − t)
//   partial: v = 2 H_q (s_q − t)            (target term only; biased, kept for comparison)
//
// Residual score model (DftGradientOptions::residual): the model returns Δ = S − s_q and J_Δᵀw
// (S = s_q + Δ, J_S = H_q + J_Δ). Then the full v is computed in the algebraically identical form
//   v = −2 H_q Δ − 2 J_Δᵀ (S − t),
// in which the O(1/σ) terms 2H_q t of both halves cancel exactly per sample instead of in
// floating point and on average: only J_Δᵀt remains, and J_Δ → 0 as the sampler converges.
// (partial with a residual model: 2 H_q (s_q − t), as above.)
//
// Two optional modifications with the same fixed point (with an exact score, v ≡ 0 per sample
// when p_{θ,σ} = q, so any per-sample map of v keeps it):
//   KL term:          v += κ (S − s_q)  = κ Δ   (κ = kl_weight; E[Gᵀ(S − s_q)] is the θ-gradient of
//                                                KL(p_{θ,σ} ‖ q) for an exact S)
//   preconditioning:  v ← (|H_q| + λ I)⁻¹ v    (|H_q| = U|Λ|Uᵀ from H_q = UΛUᵀ; λ = precondition
//                                                > 0). Turns the curvature-weighted error
//                                                −2H_qΔ into ≈ ±2Δ, so soft directions (along a
//                                                ring or a valley) move as fast as stiff ones.
#pragma once

#include "core/common/types.h"
#include "core/samplers/sampler.h"
#include "core/targets/target.h"

namespace ss {

/// Which generator gradient DFT uses (the `variant` knob).
enum class DftVariant { full = 0, partial = 1 };

/// A score model of the noised sampler distribution: values and input vector–Jacobian products.
class NoisedScoreModel {
 public:
  virtual ~NoisedScoreModel() = default;
  /// S(x_i) for every row of x into s (resized to x.rows()×2); remembers x for score_vjp().
  /// (Residual models: Δ(x_i) = S(x_i) − s_q(x_i).)
  virtual void score(const Points& x, Points& s) = 0;
  /// J_S(x_i)ᵀ w_i for every row, at the points of the last score() call, into out.
  /// (Residual models: J_Δ(x_i)ᵀ w_i.)
  virtual void score_vjp(const Points& w, Points& out) = 0;
};

/// How dft_output_gradient forms v (see the header comment).
struct DftGradientOptions {
  DftVariant variant = DftVariant::full;
  bool residual = false;    ///< the score model returns Δ = S − s_q and J_Δᵀw
  double kl_weight = 0;     ///< κ ≥ 0: v += κ (S − s_q)
  double precondition = 0;  ///< λ > 0: v ← (|H_q| + λI)⁻¹ v; 0 = off
};

/// Buffers of dft_output_gradient(), sized once for a batch (no allocation at a fixed batch size).
struct DftGradientWorkspace {
  Points target_score, net_score, t, residual, vjp;
  Hessians target_hessian;
  /// Sizes every buffer for `n` rows (no-op when already sized).
  void resize(Eigen::Index n);
};

/// Per-sample DFT output gradient v (n×2) at the noised points x_sigma = x0 + σ·eps, and the mean
/// surrogate loss L (returned). Evaluates the target's score and Hessian once per row (counted in
/// counters->hessian when counters is non-null). `sigma` must be > 0; eps and x_sigma have equal
/// rows; kl_weight and precondition must be ≥ 0 (std::invalid_argument otherwise). Non-finite
/// target values propagate into v and L (the caller checks).
double dft_output_gradient(const Target& target, const Points& x_sigma, const Points& eps,
                           double sigma, const DftGradientOptions& options,
                           NoisedScoreModel& score_model, DftGradientWorkspace& ws, Points& v,
                           EvalCounters* counters);

/// (|H| + λI)⁻¹ w for a symmetric 2×2 H = (h11, h12, h22) and λ ≥ 0 (|H| = U|Λ|Uᵀ); the identity
/// scaled by 1/λ when H = 0. Undefined (non-finite) when |H| + λI is singular.
Vec2 apply_abs_hessian_inverse(double h11, double h12, double h22, double lambda, const Vec2& w);

}  // namespace ss
