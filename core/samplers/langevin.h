// ULA and MALA: m parallel Langevin chains (reference note flowmc.md §1.2), and the MALA kernel
// that flowMC reuses for its local steps.
//
// Step-size convention (flowMC's): with ε = `step_size` and g = ∇log p(x),
//   proposal  x' = x + (ε²/2)·g + ε·ξ,   ξ ~ N(0, I)       (the Langevin step h = ε²/2)
//   ULA       always moves to x' (biased: for N(μ, σ²I) its stationary variance is
//             σ²/(1 − h/(2σ²)) per axis, and the chain diverges once h ≥ 2σ²);
//   MALA      accepts x' with probability min(1, α),
//             log α = log p(x') − log p(x) + log q(x|x') − log q(x'|x),
//             log q(a|b) = −‖a − b − (ε²/2)∇log p(b)‖² / (2ε²).
//             A proposal with a non-finite log density is rejected.
// MALA caches log p and ∇log p of the current states: one joint (log density + score) evaluation
// per chain per step. ULA uses one score evaluation per chain per step.
//
// One iteration (step()) = one move of every chain. Random numbers per iteration: 2m normals
// (chain by chain, x then y) then m uniforms (MALA), drawn serially from the sampler's Rng.
//
// Step-size adaptation (MALA, `adapt` on): during the first `warmup` iterations,
//   log ε ← log ε + γ_t·(a_t − a*),   γ_t = `adapt_rate`/√(1 + t),
// with a_t the fraction of chains that accepted at iteration t and a* = `target_accept`; from
// iteration `warmup` on ε is frozen (the kernel is then exactly p-invariant). ULA never adapts.
//
// Statistics: accept_local (acceptance over the current phase: warm-up, then production since the
// freeze), step_size (ε). Overlay: trails of the first `trail_chains` chains, the last
// `trail_length` positions each; MALA also the followed chain's last proposal (slow motion).
// Window: a thinned window of recent states (chain_window.h) for the metrics, the export and
// R-hat/ESS.
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/samplers/chain_window.h"
#include "core/samplers/initialization.h"
#include "core/samplers/sampler.h"

namespace ss {

extern const char* const kUlaAbout;
extern const char* const kMalaAbout;

/// Chain states with the cached log density and score of each.
struct ChainStates {
  Points x;     ///< m × 2 positions
  Vec logp;     ///< m, log p(x) (MALA; unused by ULA)
  Points grad;  ///< m × 2, ∇log p(x)
};

/// Buffers of one MALA/ULA step (sized at the first step; no allocation afterwards).
struct LangevinWorkspace {
  Points noise, proposal, proposal_grad;
  Vec uniforms, proposal_logp;
  std::vector<unsigned char> accepted;  ///< per chain, last MALA step
};

/// The Langevin proposal x' = x + drift·∇log p(x) + noise·ξ, noise² = 2·drift, in either
/// convention: from_eps(ε) = {ε²/2, ε} (the samplers', flowMC's) or from_eta(η) = {η, √(2η)}
/// (the EBM papers', core/ebm). MALA's proposal density is then
/// log q(a|b) = −‖a − b − drift·∇log p(b)‖² / (4·drift) (= /(2ε²) = /(4η), the same numbers).
struct LangevinStep {
  double drift = 0;  ///< h: ε²/2 or η
  double noise = 0;  ///< √(2h): ε or √(2η)
  static LangevinStep from_eps(double eps) { return {0.5 * eps * eps, eps}; }
  static LangevinStep from_eta(double eta) { return {eta, std::sqrt(2 * eta)}; }
};

/// One MALA move of every chain with step ε (formulas above). Draws 2m normals then m uniforms
/// from rng. Updates states (x, logp, grad) of accepted chains; adds m log-density and m score
/// evaluations to counters; returns the number of accepted moves (flags in ws.accepted).
int mala_step(const Target& target, ChainStates& states, double eps, Rng& rng,
              LangevinWorkspace& ws, EvalCounters& counters);

/// A batched log density and score (both outputs non-null, resized by the callee): the same MALA
/// move on a density that is not a Target (the live EBM of core/ebm, which counts its own
/// evaluations).
using LogDensityAndScore = std::function<void(const Points& x, Vec& logp, Points& score)>;
/// mala_step on `eval` (same random numbers, same formulas; counts nothing).
int mala_step(const LogDensityAndScore& eval, ChainStates& states, double eps, Rng& rng,
              LangevinWorkspace& ws);
/// The same move with the step given as a LangevinStep, and optionally on the density restricted
/// to `box` (non-null): a proposal outside the box has density 0 and is rejected (it is still
/// evaluated with the batch; exact Metropolis for the truncated density). The MALA negatives of
/// the ebm task (core/ebm/langevin_negatives.h) are this with from_eta(η) and the problem's box.
int mala_step(const LogDensityAndScore& eval, ChainStates& states, const LangevinStep& step,
              Rng& rng, LangevinWorkspace& ws, const Box* box = nullptr);

/// One ULA move of every chain (2m normals from rng); m score evaluations.
void ula_step(const Target& target, ChainStates& states, double eps, Rng& rng,
              LangevinWorkspace& ws, EvalCounters& counters);

/// Bounded trails of the first few chains (ring buffers; no allocation per push).
class ChainTrails {
 public:
  /// Keeps the last `length` positions of the first `chains` chains.
  void configure(int chains, int length);
  /// Records the current positions (rows 0..chains−1 of x).
  void push(const Points& x);
  /// Oldest-to-newest copies for the overlay.
  void fill(std::vector<Points>& out) const;
  void clear() { count_ = 0, head_ = 0; }

 private:
  std::vector<Points> rings_;
  int length_ = 0, count_ = 0, head_ = 0;
};

class LangevinSampler final : public Sampler {
 public:
  enum class Variant { ula, mala };
  LangevinSampler(std::shared_ptr<const Target> target, Variant variant);

  /// ULA knobs: chains, step_size, trail_chains, trail_length, init…
  static const ParamTable& ula_table();
  /// MALA knobs: the ULA ones plus adapt, target_accept, warmup, adapt_rate.
  static const ParamTable& mala_table();
  std::string kind() const override { return variant_ == Variant::ula ? "ula" : "mala"; }
  const ParamTable& param_table() const override {
    return variant_ == Variant::ula ? ula_table() : mala_table();
  }

  void reset(std::uint64_t seed) override;
  void step() override;
  /// The newest n states of the chain window (chain_window.h): ⌈n/m⌉ recorded states, the
  /// oldest one used contributing an evenly strided subset of its chains.
  void evaluation_samples(int n, Points& out) override;
  const Points& display_samples() const override { return states_.x; }
  std::vector<std::pair<std::string, double>> statistics() const override;
  /// Trails, and (MALA) the followed chain's last proposal for slow motion.
  void fill_overlay(SamplerOverlay& out) const override;
  const ChainWindow* chain_window() const override { return &window_; }
  /// When the target changes the cached log densities and scores are recomputed.
  void set_target(std::shared_ptr<const Target> target) override;

  /// Current step size ε (adapted during warm-up).
  double step_size() const { return eps_; }
  /// True once the warm-up is over (MALA) — always true for ULA.
  bool frozen() const {
    return variant_ == Variant::ula || iteration_ >= std::int64_t(param("warmup"));
  }
  /// Acceptance over the current phase (1 for ULA).
  double acceptance() const;
  const ChainStates& states() const { return states_; }

 private:
  void refresh_cache();

  Variant variant_;
  ChainStates states_;
  LangevinWorkspace ws_;
  ChainTrails trails_;
  ChainWindow window_;
  ProposalTrace trace_;
  double eps_ = 0;
  std::int64_t phase_accepted_ = 0, phase_proposed_ = 0;
};

}  // namespace ss
