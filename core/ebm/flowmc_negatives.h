// flowMC-EBM negatives (Grenioux, Moulines, Gabrié 2023, Algorithm 1; reference note flowmc.md
// §3): persistent chains that sample the TILTED EBM with MALA local steps and global moves
// proposed by a RealNVP flow, the flow trained by maximum likelihood on the negatives.
//
// Model and coordinates. The model is the tilted EBM p^ρ_θ(x) ∝ exp(−net_θ(u))·ρ(x) (tilted() is
// true, so the trainer turns on EnergyNet::set_tilt and the EnergyView already returns
// log p^ρ_θ = −net_θ(u) − ½‖u‖²). ρ is the flow's base N(0, I₂) placed in the BOX-NORMALIZED
// coordinates u = (x − c) ⊘ s (c the problem box's centre, s its half-extents), the coordinates the
// energy network works in: ρ(x) = N(u; 0, I)/(s_x s_y). The flow is a RealNvp whose whitening is
// fixed to exactly that map (mean c, std s, never re-fitted), so an identity flow IS ρ and an
// untrained EBM (net ≡ const) with an untrained flow start consistent (flowmc.md §3.1).
//
// One draw(ebm, batch) — the chains are a pool of EbmSettings::persistent states; a draw takes the
// next `batch` of them in a fixed cyclic order (chains k·batch … (k+1)·batch − 1 mod P):
//   1. log π = log p^ρ_θ and its score at the chains (the EBM changed since the last draw);
//   2. `local_before` MALA steps (langevin.h, with ε = √(2h), h = `step_size` in data units);
//   3. `global_steps` global steps with the flow q_α (log q of the chains recomputed first, the
//      flow changed since the last draw):
//        i-SIR (`global` = isir, the paper's): per chain, N = `isir_particles` particles
//          y_1 = x, y_2..y_N ~ q_α; log w_j = log π(y_j) − log q_α(y_j), normalized by
//          log-sum-exp; x ← y_J with J ~ Categorical(w) (one uniform per chain, inverse CDF).
//          Non-finite weights count as 0; all zero → the chain stays. "accepted" = J ≠ 1.
//        IMH (`global` = imh): x' ~ q_α, accept with
//          log α = [log π(x') − log π(x)] − [log q_α(x') − log q_α(x)].
//      Then the scores of the chains are recomputed (one batch evaluation);
//   4. `local_after` MALA steps;
//   5. the chains go back to the pool and are the negatives;
//   6. one maximum-likelihood step of the flow on the negatives: AdamW (β = 0.9, 0.999, no weight
//      decay) with learning rate `flow_learning_rate` on mean(−log q_α(x⁻)), gradient norm clipped
//      at `max_grad_norm` (flowmc.md §3.1 step 5; the clipping is flowMC's).
// The MALA step is NOT adapted (fixed h, as the paper's "Langevin step size 0.01").
//
// Costs per draw with B = batch: (local_before + local_after + 1)·B scores, and per global step
// (N − 1)·B (i-SIR) or B (IMH) log densities, plus B log densities for the first step.
// Random numbers: Rng seeded from the run seed; chain init from the initial flow (= ρ), then per
// MALA step 2B normals + B uniforms, per i-SIR step 2(N − 1)B normals (flow.sample) + B uniforms,
// per IMH step 2B normals + B uniforms — all drawn serially: same seed, same negatives for any
// thread count.
//
// Interruption (NegativeSampler::set_interrupt): checked before every local and global step and
// before the flow step; an interrupted draw writes nothing back to the pool (the cursor has moved
// on: the next draw takes the next chains) and leaves the flow as it was.
//
// Statistics: accept_local, accept_global (acceptance of flow moves: i-SIR picks J ≠ 1, IMH
// accepts), both over the last draw; flow_nll (mean −log q_α on the last negatives, before the
// step). Overlay: the flow's log density on a 64 × 64 grid over the box (computed when asked, after
// a change). failure(): non-finite chain state, flow loss or flow parameters.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/ebm/trainer.h"
#include "core/flows/realnvp.h"
#include "core/samplers/langevin.h"

namespace ss {

extern const char* const kFlowMcEbmAbout;

/// i-SIR's choice for one chain: the index J in [0, n) drawn from the normalized weights
/// exp(log_w − LSE(log_w)) by inverse CDF with the uniform u ∈ [0, 1). Non-finite log weights
/// count as weight 0; when all are 0 (or n = 1) returns 0 (the current state, particle 0).
int isir_choose(const double* log_w, int n, double u);

class FlowMcNegatives final : public NegativeSampler {
 public:
  static constexpr int kFieldN = 64;
  /// Knobs: step_size, local_before, global_steps, local_after, global, isir_particles,
  /// flow_learning_rate, max_grad_norm, couplings, hidden_width, hidden_layers.
  static const ParamTable& table();

  void reset(const EbmProblem& problem, const ParamValues& params, std::uint64_t seed) override;
  void draw(EnergyView& ebm, int batch, Points& out, EvalCounters& counters) override;
  const Points& display_samples() const override { return pool_; }
  /// n persistent chains, evenly strided over the pool (all of them when n ≥ P).
  void evaluation_samples(int n, Points& out) override;
  std::vector<std::pair<std::string, double>> statistics() const override;
  void fill_overlay(SamplerOverlay& out) const override;
  std::string failure() const override { return failure_; }
  bool tilted() const override { return true; }
  /// Live knobs: all but the flow's shape and clip (needs_reset) apply at the next draw.
  void set_params(const ParamValues& params) override;
  /// A live problem change: the pool is resized to ebm.persistent — the first chains kept, new
  /// ones drawn from the CURRENT flow q_α (reset starts them from the initial flow, which is ρ;
  /// the current flow is the sampler's best guess of the model) —, the cyclic cursor wraps, and
  /// the overlay's field follows the new box. The flow's whitening (the tilt's ρ) keeps the box of
  /// reset, as the energy network's normalization does; the chains are not restricted to a box.
  void set_problem(const EbmProblem& problem) override;
  void set_interrupt(const Interrupt* interrupt) override;

  flows::RealNvp& flow() { return flow_; }
  /// Rates of the last draw.
  double accept_local() const;
  double accept_global() const;

 private:
  double param(std::string_view name) const { return param_value(params_, name); }
  void evaluate(EnergyView& ebm, const Points& x, Vec& logp, Points& score, EvalCounters& counters);
  void global_isir(EnergyView& ebm, EvalCounters& counters);
  void global_imh(EnergyView& ebm, EvalCounters& counters);

  ParamValues params_;
  Box box_;        // the box of reset: the flow's whitening
  Box field_box_;  // the problem's current box: the overlay's field
  Rng rng_;
  Points pool_;  // P × 2 persistent chains
  Eigen::Index cursor_ = 0;
  ChainStates states_;  // the batch being advanced
  Vec log_q_;           // log q_α of the batch's states
  LangevinWorkspace lws_;
  mutable flows::RealNvp flow_;  // mutable: fill_overlay evaluates its density field
  std::unique_ptr<flows::RealNvpTrainer> trainer_;
  Rng train_rng_;
  // Global-step buffers.
  Points proposals_;
  Vec proposal_log_q_, proposal_logp_, log_w_;
  std::int64_t local_acc_ = 0, local_prop_ = 0, global_acc_ = 0, global_prop_ = 0;
  double flow_nll_ = 0;
  std::string failure_;
  mutable std::vector<float> field_;
  mutable bool field_stale_ = true;
};

}  // namespace ss
