// KL-NS: KL training of a neural implicit sampler (Luo, Zhang & Zhang, NeurIPS 2023, arXiv
// 2306.04952; reference note dft.md §4).
//
// The generator x0 = g_θ(z) minimizes the reverse KL divergence of its noised law to the target,
// KL(p_{θ,σ} ‖ q), whose gradient is E[ (∂x_σ/∂θ)ᵀ (s_{θ,σ}(x_σ) − s_q(x_σ)) ] (the score-function
// term E[∂_θ log p_θ] vanishes). Each iteration:
//   1. K_φ DSM steps on the score network S_φ ≈ s_{θ,σ} (exactly as DFT, NoisedScoreNetwork,
//      sharing the iteration's one generator forward pass: ScoreNetSamplerBase::score_phase);
//   2. one generator step with the per-sample output gradient v = S_φ(x_σ) − s_q(x_σ) at the
//      noised points x_σ = g_θ(z) + σε, back-propagated through g_θ.
// Decision (the paper's choice is NOT FOUND, dft.md §4): v is evaluated at x_σ, where S_φ is
// trained, which makes it the exact gradient of KL(p_{θ,σ} ‖ q) when S_φ is exact; the optimum is
// then the deconvolved target (p_θ under-dispersed by σ², like DFT), so σ should be small.
//
// Statistics: loss (mean ‖S_φ(x_σ) − s_q(x_σ)‖² of the last generator batch: the denoising Fisher
// divergence as seen through the learned score; a monitor, not the KL), dsm_loss, sigma,
// grad_norm. Counters: one score per generated sample. Overlay: S_φ arrows.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/samplers/neural_common.h"

namespace ss {

/// The "About" text of KL-NS (registry and docs).
extern const char* const kKlNsAbout;

class KlNeuralSampler : public ScoreNetSamplerBase {
 public:
  explicit KlNeuralSampler(std::shared_ptr<const Target> target);

  /// Knob table: generator knobs and score-network knobs (neural_common.h).
  static const ParamTable& table();
  std::string kind() const override { return "kl_ns"; }
  const ParamTable& param_table() const override { return table(); }

  void reset(std::uint64_t seed) override;
  void step() override;
  std::vector<std::pair<std::string, double>> statistics() const override;

 private:
  Points target_score_, net_score_;
  double loss_ = 0;
};

}  // namespace ss
