// Random-walk Metropolis (`rwmh`) and Haario et al.'s adaptive Metropolis (`adaptive_mh`): m
// parallel chains that use only the log density (no gradients).
//
// rwmh: proposal x' = x + σ·ξ, ξ ~ N(0, I), σ = `proposal_scale`; accept with probability
// min(1, p(x')/p(x)) (symmetric proposal); a non-finite log p(x') rejects. With `adapt` on, during
// the first `warmup` iterations
//   log σ ← log σ + γ_t·(a_t − a*),   γ_t = `adapt_rate`/√(1 + t),
// a_t = fraction of chains that accepted at iteration t, a* = `target_accept` (0.35 is close to
// the optimum for a 2-D Gaussian target; 0.234 is the d → ∞ limit of Roberts, Gelman & Gilks
// 1997); then σ is frozen and the kernel is exactly p-invariant.
//
// adaptive_mh (Haario, Saksman & Tamminen 2001, "An adaptive Metropolis algorithm"): each chain
// proposes x' ~ N(x, C_t) with its OWN history:
//   C_t = σ0² I                                for t ≤ t0 (`adapt_start`),
//   C_t = s_d·(Cov(x_0, …, x_{t−1}) + ε_reg I)   afterwards,  s_d = `scale_factor` (2.4²/d = 2.88),
// the covariance being the running (Welford, 1/t) covariance of all of that chain's states so far.
// Haario et al. adapt forever (`adapt_until` 0; the chain is then not Markov but still ergodic
// for the target); a positive `adapt_until` freezes C after that many iterations.
//
// One iteration = one proposal per chain: m log-density evaluations (counted as log_density; the
// cost axis of a gradient-free method counts them, see EvalCounters::cost). Random numbers per
// iteration: 2m normals (chain by chain) then m uniforms, drawn serially from the sampler's Rng.
//
// Statistics: accept_local (acceptance over the current phase: warm-up, then since the freeze;
// the last iteration's rate while the new phase is still empty),
// step_size (σ; adaptive_mh: √(mean of the chains' largest proposal-covariance eigenvalues)).
// Overlay: trails, the followed chain's last proposal (slow motion).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/samplers/chain_window.h"
#include "core/samplers/initialization.h"
#include "core/samplers/langevin.h"
#include "core/samplers/sampler.h"

namespace ss {

extern const char* const kRwmhAbout;
extern const char* const kAdaptiveMhAbout;

class MetropolisSampler final : public Sampler {
 public:
  enum class Variant { rwmh, adaptive };
  MetropolisSampler(std::shared_ptr<const Target> target, Variant variant);

  static const ParamTable& rwmh_table();
  static const ParamTable& adaptive_table();
  std::string kind() const override { return variant_ == Variant::rwmh ? "rwmh" : "adaptive_mh"; }
  const ParamTable& param_table() const override {
    return variant_ == Variant::rwmh ? rwmh_table() : adaptive_table();
  }

  void reset(std::uint64_t seed) override;
  void step() override;
  /// The newest n states of the chain window (chain_window.h).
  void evaluation_samples(int n, Points& out) override;
  const Points& display_samples() const override { return x_; }
  std::vector<std::pair<std::string, double>> statistics() const override;
  void fill_overlay(SamplerOverlay& out) const override;
  const ChainWindow* chain_window() const override { return &window_; }
  void set_target(std::shared_ptr<const Target> target) override;

  const Points& states() const { return x_; }
  double scale() const { return sigma_; }
  double acceptance() const;
  /// adaptive_mh: chain c's current proposal covariance.
  Mat2 proposal_covariance(Eigen::Index c) const;

 private:
  bool adapting() const;

  Variant variant_;
  Points x_, proposal_, noise_;
  Vec logp_, proposal_logp_, uniforms_;
  // adaptive_mh: per-chain running mean (m×2) and co-moment sums (m×3: xx, xy, yy), count.
  Points mean_;
  Hessians comoment_;
  std::int64_t history_count_ = 0;
  double sigma_ = 0, last_rate_ = 0;
  std::int64_t phase_accepted_ = 0, phase_proposed_ = 0;
  ChainTrails trails_;
  ChainWindow window_;
  ProposalTrace trace_;
};

}  // namespace ss
