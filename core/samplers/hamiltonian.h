// Hamiltonian Monte Carlo (`hmc`) and the No-U-Turn sampler (`nuts`): m parallel chains, each
// simulating Hamiltonian dynamics with the leapfrog integrator (Neal 2011; Hoffman & Gelman 2014;
// Betancourt 2017 "A conceptual introduction to HMC"; Stan's base_nuts as documented in the Stan
// reference manual).
//
// Phase space: position x, momentum p ~ N(0, M), M = diag(1/v) with v = the inverse metric
// (identity: v = 1). Hamiltonian H(x, p) = −log p(x) + ½ Σ_i v_i p_i².
// Leapfrog step of size ε (negative ε integrates backward in time; one score evaluation):
//   p ← p + (ε/2)∇log p(x);   x ← x + ε v∘p;   p ← p + (ε/2)∇log p(x).
// It is volume-preserving and time-reversible: L steps, negate p, L steps returns to the start up
// to rounding (tested to 1e-10).
//
// hmc: L = max(1, round(λ/ε)) steps (λ = `path_length`, L capped at `max_leapfrog`), accept the
// end point with probability min(1, exp(H0 − H1)); a non-finite H1 rejects (the integration stops
// at the first non-finite log density, counting only the steps made).
//
// nuts: the multinomial No-U-Turn sampler as Stan implements it. The trajectory doubles in a
// random direction (forward if u > ½) until the generalized U-turn criterion fails, a subtree is
// invalid (divergent), or `max_depth` doublings were made. Within a new subtree a point is drawn
// by multinomial sampling with weights exp(H0 − H) (uniform progressive sampling inside subtrees,
// biased progressive sampling toward the new subtree at the top level). U-turn criterion on a
// (sub)trajectory with momentum sum ρ and end momenta p♯ = v∘p at both ends:
//   p♯_minus·ρ > 0 and p♯_plus·ρ > 0.
// With `uturn` = stan (the default, as Stan's base_nuts does, e.g. in rstan 2.21's StanHeaders) the
// criterion is also checked across each merge: the first part extended by the first point of the
// second, and the second part extended by the last point of the first. `merged_only` omits those
// two extra checks (the earlier generalized criterion; on N(0, I) at ε = 0.9 it lets ~1.5 % of the
// trees grow past depth 4, see docs/results.md).
// Divergence: a leaf with H − H0 > `max_energy_error` (Stan's 1000) ends the tree; the transition
// is flagged divergent. Acceptance statistic: mean over all leaves of min(1, exp(H0 − H)). Tree
// depth: the number of completed doublings.
//
// Warm-up (`adapt` on, first `warmup` iterations; Stan's schedule, simplified to one metric
// window): ε follows dual averaging (Hoffman & Gelman 2014, Algorithm 5: μ = log(10 ε0), γ = 0.05,
// t0 = 10, κ = 0.75) driven by the mean acceptance statistic of all chains at each iteration,
// aiming at δ = `target_accept`; with `metric` = diagonal, the positions of all chains between 15 %
// and 90 % of the warm-up estimate v = (n/(n+5))·Var + 10⁻³·5/(n+5) (Stan's regularization), after
// which dual averaging restarts from the current ε. At the end of warm-up ε is set to the
// dual-averaged value exp(log ε̄) and frozen: the kernel is then exactly p-invariant.
//
// Parallelism and random numbers: chains are independent and run in a TBB parallel loop using
// single-point evaluations (Target::jet_at). Drawn serially from the sampler's Rng per iteration:
// 2m normals (momenta, chain by chain), then one 64-bit key; HMC then m uniforms. NUTS's per-chain
// uniforms (direction, multinomial choices) come from a counter-based stream keyed by (key, chain),
// so the trajectory does not depend on the number of threads. No allocation in step().
//
// Evaluations: one score evaluation per leapfrog step, and one log-density evaluation with it
// (the same joint evaluation): counters.score and counters.log_density both count leapfrog steps.
//
// Statistics: accept_stat (mean acceptance statistic over the current phase: warm-up, then since
// the freeze; while the production phase is still empty, the warm-up's values), step_size (ε),
// n_leapfrog (mean leapfrog steps per transition, phase), divergences (divergent transitions in the
// phase, all chains); hmc adds accept_local (acceptance rate, phase); nuts adds tree_depth (mean,
// phase) and max_depth_hits (fraction of transitions that stopped at max_depth, phase). Overlay:
// trails, the followed chain's last trajectory (slow motion), and the starting points of the last
// 256 divergent transitions.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/samplers/chain_window.h"
#include "core/samplers/initialization.h"
#include "core/samplers/langevin.h"
#include "core/samplers/sampler.h"

namespace ss {

extern const char* const kHmcAbout;
extern const char* const kNutsAbout;

/// A point of phase space with the cached log density and score at x.
struct PhasePoint {
  Vec2 x = Vec2::Zero(), p = Vec2::Zero(), grad = Vec2::Zero();
  double logp = 0;
};

/// Evaluates log p and ∇log p at z.x (one joint evaluation).
void evaluate_point(const Target& target, PhasePoint& z);
/// One leapfrog step of size eps (see the file comment); one evaluation.
void leapfrog(const Target& target, PhasePoint& z, double eps, const Vec2& inv_metric);
/// H(x, p) = −log p(x) + ½ Σ v_i p_i² (+inf when log p is not finite).
double hamiltonian(const PhasePoint& z, const Vec2& inv_metric);

/// Dual averaging of log ε (Hoffman & Gelman 2014, Algorithm 5; Stan's stepsize_adaptation).
class DualAveraging {
 public:
  void restart(double eps0);
  /// Feeds the acceptance statistic of one iteration (clamped to ≤ 1); returns the new ε.
  double update(double accept_stat, double delta);
  /// exp(log ε̄): the value to freeze at the end of warm-up.
  double final_step_size() const { return std::exp(log_eps_bar_); }

 private:
  double mu_ = 0, h_bar_ = 0, log_eps_bar_ = 0;
  std::int64_t t_ = 0;
};

class HamiltonianSampler final : public Sampler {
 public:
  enum class Variant { hmc, nuts };
  HamiltonianSampler(std::shared_ptr<const Target> target, Variant variant);

  static const ParamTable& hmc_table();
  static const ParamTable& nuts_table();
  std::string kind() const override { return variant_ == Variant::hmc ? "hmc" : "nuts"; }
  const ParamTable& param_table() const override {
    return variant_ == Variant::hmc ? hmc_table() : nuts_table();
  }

  void reset(std::uint64_t seed) override;
  void step() override;
  /// The newest n states of the chain window (chain_window.h).
  void evaluation_samples(int n, Points& out) override;
  const Points& display_samples() const override { return states_.x; }
  std::vector<std::pair<std::string, double>> statistics() const override;
  void fill_overlay(SamplerOverlay& out) const override;
  const ChainWindow* chain_window() const override { return &window_; }
  void set_target(std::shared_ptr<const Target> target) override;

  const ChainStates& states() const { return states_; }
  double step_size() const { return eps_; }
  const Vec2& inv_metric() const { return inv_metric_; }
  bool frozen() const { return int(param("adapt")) == 0 || iteration_ >= warmup_; }
  /// Per chain, the last transition: H1 − H0 of the end point (HMC) or of the chosen point (NUTS).
  const Vec& energy_errors() const { return energy_error_; }
  /// Per chain, the last transition's acceptance statistic, tree depth (NUTS), leapfrog steps and
  /// divergence flag.
  const Vec& accept_stats() const { return accept_stat_; }
  const std::vector<int>& tree_depths() const { return depth_; }
  const std::vector<int>& leapfrog_counts() const { return n_leapfrog_; }
  const std::vector<unsigned char>& divergent() const { return divergent_; }
  /// Leapfrog steps per HMC transition at the current ε.
  int hmc_steps() const;

 private:
  void hmc_chain(Eigen::Index c, double eps, int steps, bool follow);
  void nuts_chain(Eigen::Index c, double eps, std::uint64_t key, bool follow);
  void adapt_after(double mean_accept);
  void refresh_cache();

  Variant variant_;
  ChainStates states_;
  Points momenta_, start_;
  Vec uniforms_;
  Vec energy_error_, accept_stat_;
  std::vector<int> depth_, n_leapfrog_;
  std::vector<unsigned char> divergent_, moved_;
  Vec2 inv_metric_ = Vec2::Ones();
  double eps_ = 0;
  std::int64_t warmup_ = 0, metric_begin_ = 0, metric_end_ = 0;
  DualAveraging dual_;
  // Welford over all chains' positions in the metric window.
  double welford_n_ = 0;
  Vec2 welford_mean_ = Vec2::Zero(), welford_m2_ = Vec2::Zero();
  // Sums over the current phase (warm-up, then production); `warmup_sums_` keeps the warm-up's
  // for statistics() while the production phase is still empty.
  struct PhaseSums {
    double accept_stat = 0, leapfrog = 0, depth = 0;
    std::int64_t transitions = 0, accepted = 0, divergences = 0, max_depth_hits = 0;
  };
  PhaseSums phase_, warmup_sums_;
  ChainTrails trails_;
  ChainWindow window_;
  ProposalTrace trace_;
  int trace_rows_ = 0;
  Points divergence_ring_;
  int divergence_count_ = 0, divergence_head_ = 0;
  static constexpr int kDivergenceRing = 256;
  static constexpr int kMaxDepthLimit = 12;
};

}  // namespace ss
