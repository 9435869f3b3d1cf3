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
  virtual void score(const Points& x, Points& s) = 0;
  /// J_S(x_i)ᵀ w_i for every row, at the points of the last score() call, into out.
  virtual void score_vjp(const Points& w, Points& out) = 0;
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
/// rows. Non-finite target values propagate into v and L (the caller checks).
double dft_output_gradient(const Target& target, const Points& x_sigma, const Points& eps,
                           double sigma, DftVariant variant, NoisedScoreModel& score_model,
                           DftGradientWorkspace& ws, Points& v, EvalCounters* counters);

}  // namespace ss
