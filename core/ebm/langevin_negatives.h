// ULA and MALA negatives for EBM training (kinds ula_ebm, mala_ebm; flowmc.md §3.2, Algorithm 3 of
// Grenioux et al. 2023, after Nijkamp et al. 2020).
//
// State: `persistent` chains (EbmSettings::persistent), started uniformly in the problem's box.
// One draw(batch): pick `batch` distinct chains at random (a partial Fisher–Yates shuffle of the
// chain indices, serial rng), run `steps` Langevin steps on them against the current EBM
// log p_θ = −E_θ (all chosen chains through the network together: one forward + one input VJP
// per step), write them back and return them. Step convention (the paper's, η = `step_size`):
//   ULA   x ← x + η ∇log p_θ(x) + √(2η) ξ,   ξ ~ N(0, I₂)
//   MALA  proposal y = x + η ∇log p_θ(x) + √(2η) ξ, accepted with probability min(1, α),
//         log α = log p_θ(y) − log p_θ(x) + log q(x|y) − log q(y|x),
//         log q(a|b) = −‖a − b − η∇log p_θ(b)‖² / (4η); a non-finite log p_θ(y) is rejected
//         (mala_step of core/samplers/langevin.h with LangevinStep::from_eta(η) and the box).
// (The project's ula/mala samplers use ε with η = ε²/2; here the knob is η itself, as in the
// paper: the 2:1 example's "Langevin step size 0.01" is η = 0.01.)
// The model is the EBM restricted to the box B (problem.box, the normalization grid's box: every
// metric and the heat map are of p_θ·1_B / Z_B), so the chains sample THAT model and never leave B:
//   MALA  a proposal y ∉ B has density 0 and is rejected (exact Metropolis for the truncated
//         model; counted as a rejection in accept_local); y is still evaluated with the batch.
//   ULA   reflected Langevin: a coordinate that leaves [lo, hi] is reflected across the violated
//         edge once (v ← 2·lo − v or 2·hi − v) and then clamped to [lo, hi] (only a step longer
//         than the box's extent needs the clamp) — the usual discretization of Langevin diffusion
//         on a box with reflecting boundary, applied per coordinate after each step.
// Before this, an overshooting step left B where E_θ is an untrained linear extrapolation and the
// chains ran off (docs/methods.md, "Escape"); the trainer's escape check stays as a safety net.
// `init` = noise: short-run chains from fresh uniform noise in the box at every draw instead of the
// persistent ones (Nijkamp's short-run EBM); the persistent array is then unused.
//
// Random numbers per draw, serially from the sampler's Rng: `batch` chain indices (persistent) or
// 2·batch uniforms (noise); then per step 2·batch normals (chain by chain, x then y), and for
// MALA `batch` uniforms. Results do not depend on the number of threads.
//
// Interruption (NegativeSampler::set_interrupt): checked before every Langevin step (up to 10000
// per draw); an interrupted draw writes nothing back to the persistent chains (the chosen batch's
// partial moves are dropped; with init = noise the partially moved batch stays the display set).
//
// Evaluations (counters): ULA one score per chain per step; MALA one joint log density + score
// per chain per step plus one at the start of each draw (the EBM changed since the last one).
//
// Known failure (docs/methods.md): chains rarely cross the low-density gap between modes within
// the few steps of a draw, so the negatives keep the mode proportions of wherever they are, and the
// EBM's relative mode weights drift (on the 2:1 mixture the heavy mode's weight swings between ≈0
// and ≈1 during training, Grenioux et al. Fig. 1).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/ebm/trainer.h"
#include "core/samplers/langevin.h"

namespace ss {

extern const char* const kUlaEbmAbout;
extern const char* const kMalaEbmAbout;

class LangevinNegatives final : public NegativeSampler {
 public:
  enum class Variant { ula, mala };
  explicit LangevinNegatives(Variant variant) : variant_(variant) {}

  /// Knobs: steps (10), step_size η (0.01), init (persistent | noise).
  static const ParamTable& ula_table();
  /// The ULA knobs (MALA has no adaptation: η is the paper's fixed step).
  static const ParamTable& mala_table();

  void reset(const EbmProblem& problem, const ParamValues& params, std::uint64_t seed) override;
  void draw(EnergyView& ebm, int batch, Points& out, EvalCounters& counters) override;
  /// Persistent chains, or (init = noise) the last draw.
  const Points& display_samples() const override;
  /// An evenly strided subset of n persistent chains (all when fewer); init = noise: the last
  /// draw's negatives (at most `batch` rows).
  void evaluation_samples(int n, Points& out) override;
  /// MALA: accept_local, the acceptance rate of the last draw.
  std::vector<std::pair<std::string, double>> statistics() const override;
  std::string failure() const override { return failure_; }
  /// Live knobs (steps, step_size, init) are read at each draw from these values.
  void set_params(const ParamValues& params) override { params_ = params; }
  /// A live problem change: the chains are clamped into the new box (per coordinate) and the pool
  /// resized to ebm.persistent — the first chains kept, new ones uniform in the box from the
  /// sampler's Rng (as reset starts them), chain by chain (x then y); the random chain-index
  /// order is kept when the size is.
  void set_problem(const EbmProblem& problem) override;

 private:
  Variant variant_;
  ParamValues params_;
  Box box_;
  Rng rng_;
  Points chains_;             // persistent × 2
  std::vector<int> indices_;  // chain indices, shuffled in place at each draw
  ChainStates batch_;         // the draw's chains: x, and the score (MALA: also log p) at x
  Points noise_;              // ULA's normals
  LangevinWorkspace mala_ws_;
  double accept_ = 1;
  std::string failure_;
};

}  // namespace ss
