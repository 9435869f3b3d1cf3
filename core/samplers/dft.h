// DFT: Denoising Fisher Training of a neural implicit sampler (Luo & Deng, arXiv 2411.01453;
// derivation and sources in the reference note dft.md §3).
//
// A generator x0 = g_θ(z), z ~ N(0, I_k), is trained so that its noised law p_{θ,σ} = p_θ * N(0,
// σ²I) has the target's score: it minimizes D(θ) = E_{p_{θ,σ}} ‖s_q − s_{θ,σ}‖². Each iteration
// runs the generator forward once, on its batch z (antithetic pairs by default), then:
//   1. K_φ (`score_steps`) denoising score matching steps on the score network S_φ of p_{θ,σ}
//      (ε-parametrization, NoisedScoreNetwork; generator detached), on this batch and the
//      previous K_φ − 1 iterations' batches with fresh noise (ScoreNetSamplerBase::score_phase);
//   2. one generator step with the per-sample output gradient of dft_gradient.h,
//      v = 2 H_q(x_σ)(s_q(x_σ) − t) − 2 J_S(x_σ)ᵀ(S(x_σ) − t),  t = −ε/σ
//      (variant `partial` drops the second term), back-propagated through g_θ: one target
//      Hessian–vector product and one input-VJP of S_φ per sample, no double backprop. By default
//      (`kl_weight` 10, issue 14 session 7) v also gets the reverse-KL term κ(S − s_q), which
//      dominates it (dft_gradient.h; docs/methods.md).
// Before the first generator step S_φ gets `warmup_steps` DSM steps on the initial generator (done
// inside the first step() call). σ is constant or annealed geometrically from sigma_start to
// sigma over anneal_iterations.
//
// Statistics: loss (the DFT surrogate loss mean[‖s_q − t‖² − ‖S − t‖²] of the last generator batch;
// equals D only for an exact S, so it is an optimistic monitor and can be negative), dsm_loss (mean
// ‖ε̂ − ε‖² of the last DSM step), sigma, grad_norm (pre-clip generator gradient norm).
// Counters: every target call evaluates score and Hessian together → counted in `hessian`.
// Overlay: S_φ on a 15 × 15 grid of arrow origins over the view box.
// Variance reduction: with `antithetic` on (default) the generator batch comes in pairs with the
// same latent and noise ±ε, so the O(1/σ) term 2(H_q − J_S)ᵀt of v nearly cancels within a pair.
// Divergence: non-finite loss, gradients or parameters → status diverged with the quantity.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/samplers/dft_gradient.h"
#include "core/samplers/neural_common.h"

namespace ss {

/// The "About" text of DFT (registry and docs).
extern const char* const kDftAbout;

class DenoisingFisherSampler : public ScoreNetSamplerBase {
 public:
  explicit DenoisingFisherSampler(std::shared_ptr<const Target> target);

  /// Knob table: generator knobs (neural_common.h), score-network knobs, and `variant`
  /// (0 = full, 1 = partial).
  static const ParamTable& table();
  std::string kind() const override { return "dft"; }
  const ParamTable& param_table() const override { return table(); }

  void reset(std::uint64_t seed) override;
  void step() override;
  std::vector<std::pair<std::string, double>> statistics() const override;
  double output_noise() const override;

 private:
  bool generator_step(double sigma);

  DftGradientWorkspace grad_ws_;
  double loss_ = 0;
};

}  // namespace ss
