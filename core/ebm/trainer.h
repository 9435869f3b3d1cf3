// EbmTrainer: one run of the "ebm" task — an energy network E_θ trained by maximum likelihood on
// the problem's data, with negatives from one negative sampler (issue 15). It is a Sampler so the
// engine runs, schedules, times, snapshots and budgets it like any method: step() is one EBM
// training iteration, display_samples() the negatives/persistent chains to draw, and
// custom_metrics() replaces the sampling metrics with the exact EBM metrics of energy.h.
//
// Kinds (ebm_kinds()): ula_ebm, mala_ebm, flowmc_ebm, steingan, dft_ebm. Every run of a scenario
// starts from the same E_θ (EbmProblem::seed) and sees the data in the same order; its own seed
// (derive_seed(scenario seed, label)) drives only its negative sampler.
//
// One step: x⁺ = the next `batch` training points (a fixed permutation per epoch from the order
// stream); x⁻ = negatives->draw(batch); E_θ.train_step(x⁺, x⁻); iteration += 1. The sampler's
// target (Sampler::target()) is the live EBM as a Target (log density −E_θ), so the shared escape
// check and the canvas use the right box.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/common/params.h"
#include "core/ebm/energy.h"
#include "core/ebm/problem.h"
#include "core/samplers/sampler.h"

namespace ss {

/// The current EBM as seen by a negative sampler: log density −E_θ(x) (unnormalized) and its
/// score −∇E_θ, batched. Valid during one EbmTrainer::step(); it changes between steps.
class EnergyView {
 public:
  explicit EnergyView(EnergyNet& net) : net_(&net) {}
  /// log density (−E) and score (−∇E) at each row; either output may be null. Counts one score
  /// evaluation per row in `counters` when score is requested, else one log-density evaluation.
  void evaluate(const Points& x, Vec* log_density, Points* score, EvalCounters& counters);

 private:
  EnergyNet* net_;
  Vec energy_;  // buffers (no allocation at a fixed batch)
  Points grad_;
};

/// What supplies negatives: persistent ULA/MALA chains, flowMC (tilted EBM, i-SIR/IMH global
/// steps, flow trained by maximum likelihood on the negatives), or a generator trained toward the
/// current EBM by amortized SVGD (SteinGAN) or DFT.
class NegativeSampler {
 public:
  virtual ~NegativeSampler() = default;
  /// Re-initializes from `seed` for `problem` (chains started uniformly in the box, or from the
  /// flow/generator's initial law).
  virtual void reset(const EbmProblem& problem, const ParamValues& params, std::uint64_t seed) = 0;
  /// `batch` negatives into out (batch × 2), advancing the sampler against the current EBM.
  virtual void draw(EnergyView& ebm, int batch, Points& out, EvalCounters& counters) = 0;
  /// Points to draw on the canvas (persistent chains, or a generator draw).
  virtual const Points& display_samples() const = 0;
  /// n points for the negatives' metrics (their mode weights and KSD against the current EBM).
  virtual void evaluation_samples(int n, Points& out) = 0;
  /// e.g. {"accept_local", …}, {"accept_global", …}, {"loss_generator", …}.
  virtual std::vector<std::pair<std::string, double>> statistics() const { return {}; }
  virtual void fill_overlay(SamplerOverlay& out) const {}
  /// Non-empty: the sampler's state went bad (the run stops diverged with this reason).
  virtual std::string failure() const { return {}; }
  /// True when the model this sampler trains is the TILTED EBM p^ρ_θ(x) ∝ exp(−E_θ(x))·ρ(x)
  /// (flowMC-EBM, flowmc.md §3.1), ρ = N(0, I₂) in the box-normalized coordinates u of EnergyNet.
  /// The trainer then calls EnergyNet::set_tilt(true) at reset, so the tilt is part of the model
  /// everywhere: the EnergyView, the exact metrics and the canvas all see E_θ + ½‖u‖².
  virtual bool tilted() const { return false; }
  /// Live knob changes (knobs without needs_reset): the trainer calls this before a draw whenever
  /// its knob values changed since reset or the last call. Default: ignored.
  virtual void set_params(const ParamValues& params) {}
  /// The problem changed in place (EbmTrainer::set_problem: data redrawn, or live EBM settings):
  /// adopt its box and `ebm.persistent`, keeping the state (each sampler's header says how).
  /// Default: nothing to adopt.
  virtual void set_problem(const EbmProblem& problem) {}
  /// The stop request a draw checks between its inner steps (Sampler::step's rule: an
  /// interrupted draw throws Interrupted, the trainer's step is abandoned; each sampler's header
  /// says what its state keeps). Samplers with parts override it to pass it on.
  virtual void set_interrupt(const Interrupt* interrupt) { interrupt_ = interrupt; }

 protected:
  const Interrupt* interrupt_ = nullptr;
};

class EbmTrainer final : public Sampler {
 public:
  EbmTrainer(std::string kind, std::shared_ptr<const EbmProblem> problem,
             std::unique_ptr<NegativeSampler> negatives);
  std::string kind() const override { return kind_; }
  const ParamTable& param_table() const override;
  void reset(std::uint64_t seed) override;
  void step() override;
  void evaluation_samples(int n, Points& out) override;
  const Points& display_samples() const override;
  std::vector<std::pair<std::string, double>> statistics() const override;
  void fill_overlay(SamplerOverlay& out) const override;
  /// The exact EBM metrics and the negatives' metrics, replacing the sampling metrics (see
  /// Sampler::custom_metrics). The blow-up rule: when the model's log_density_range on the grid
  /// (EbmMetrics) exceeds problem().ebm.max_log_density_range or is not finite, the run is marked
  /// diverged with blow_up_reason(), nothing is put in `out` and log_density_grid() keeps the
  /// last good pass's density (docs/methods.md, "The energy blows up").
  bool custom_metrics(std::vector<std::pair<std::string, double>>& out) override;
  /// The normalized log density of E_θ on the problem's grid (grid layout), as of the last
  /// custom_metrics() call; empty before.
  const std::vector<double>& log_density_grid() const { return log_density_; }
  const EbmProblem& problem() const { return *problem_; }
  /// Continues training on `problem` instead of the current one (issue 16: a live EBM setting, or
  /// data redrawn from a changed target). Kept: θ and the optimizer's moments, the negative
  /// sampler's state, the iteration count, counters and status. Taken from `problem` from the next
  /// step on: the data (training and test points, truth) — the epoch's permutation goes on when
  /// the training set has as many rows, else a new epoch starts —, the box (metrics grid, the live
  /// target's view box, the negatives' box via NegativeSampler::set_problem), learning_rate and l2
  /// (applied to the optimizer in place), batch, persistent (the negative sampler resizes its
  /// pool) and max_log_density_range. E_θ's input normalization and tilt stay those of reset
  /// (θ is a function of those coordinates). Throws std::invalid_argument when the network
  /// differs (hidden, leaky_slope, optimizer: that needs a reset). Not thread-safe against step().
  void set_problem(std::shared_ptr<const EbmProblem> problem);
  /// The trainer's target is always the live EBM (a Target adapter over E_θ, view box = the
  /// problem's box): a change of the session's target does not reach it, so this ignores it.
  void set_target(std::shared_ptr<const Target>) override {}
  /// Passes the stop request on to the negative sampler (whose draw is the long part of a step;
  /// an interrupted step has consumed its positives from the epoch's order and trained nothing).
  void set_interrupt(const Interrupt* interrupt) override;
  /// The live energy network (tests, benchmarks; not thread-safe against step()).
  EnergyNet& energy_net() { return net_; }
  const NegativeSampler& negatives() const { return *negatives_; }
  /// Points used for the negatives' metrics at a metric pass (KSD² is O(n²)).
  static constexpr int kNegativeMetricSamples = 1024;
  ~EbmTrainer() override;

 private:
  std::string kind_;
  std::shared_ptr<const EbmProblem> problem_;
  std::unique_ptr<NegativeSampler> negatives_;
  EnergyNet net_;
  std::vector<double> log_density_;
  std::shared_ptr<class EbmLiveTarget> live_;  // the adapter held as target_, sharing net_
  Rng order_rng_;                              // data order (the problem's order stream)
  std::vector<int> order_;                     // current epoch's permutation of the train rows
  std::size_t cursor_ = 0;                     // next position in order_
  Points positives_, negatives_batch_, eval_, eval_score_;
  Vec eval_energy_;
  ParamValues applied_params_;  // knob values the negative sampler has
  double loss_ = 0;
};

/// The reason of a run stopped by the blow-up rule: "EBM blew up: log_density_range (max - min of
/// log p over the 128x128 grid of the box) is 2.4e+04 nats, above ebm.max_log_density_range =
/// 16384" (or "… its energy is not finite …" for a non-finite range).
std::string blow_up_reason(double range, const EbmProblem& problem);

/// The negative-sampler kinds of the ebm task, in UI order.
std::vector<std::string> ebm_kinds();
/// Knob table of an ebm kind (the negative sampler's knobs); throws ParamError for other kinds.
const ParamTable& ebm_param_table(const std::string& kind);
/// The same, or null for a kind not in the registry (an EbmTrainer built directly around a
/// NegativeSampler of its own, e.g. in tests, then has no knobs).
const ParamTable* find_ebm_param_table(const std::string& kind);
std::string ebm_about(const std::string& kind);
std::string ebm_display_name(const std::string& kind);
/// A trainer of `kind` on `problem` with knob overrides `params` (validated), reset with `seed`
/// (with `interrupt` set first, as make_sampler does).
std::unique_ptr<Sampler> make_ebm_trainer(const std::string& kind,
                                          std::shared_ptr<const EbmProblem> problem,
                                          const ParamValues& params, std::uint64_t seed,
                                          const Interrupt* interrupt = nullptr);

}  // namespace ss
