// Sampler: the one interface every method implements (SVGD, ULA/MALA, flowMC, DFT, amortized
// SVGD, KL-NS). A sampler owns its state and advances it one iteration per step(); it never knows
// about threads, snapshots or the UI (inner loops may use TBB; the engine chooses the arena).
//
// Determinism: the same seed gives the same trajectory for any number of TBB threads (random
// numbers are drawn serially from the sampler's Rng; parallel loops only consume them and reduce
// in a fixed order).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/interrupt.h"
#include "core/common/params.h"
#include "core/common/rng.h"
#include "core/common/types.h"
#include "core/targets/escape.h"
#include "core/targets/target.h"

namespace ss {

/// Target evaluations, kept separately. A "gradient evaluation" is one score evaluation at one
/// point (a Hessian evaluation also counts as one, since it comes with its score).
struct EvalCounters {
  std::uint64_t log_density = 0;
  std::uint64_t score = 0;
  std::uint64_t hessian = 0;
  std::uint64_t gradient_evals() const { return score + hessian; }
  /// The cost axis: gradient evaluations, or for a gradient-free method (no score or Hessian
  /// evaluation at all: random-walk and adaptive Metropolis) its log-density evaluations, one per
  /// proposal — the same unit of target work, so budgets and plots work for every method.
  std::uint64_t cost() const { return gradient_evals() > 0 ? gradient_evals() : log_density; }
};

/// `ok`, or `diverged` with the iteration and the quantity that went non-finite.
struct SamplerStatus {
  bool diverged = false;
  std::int64_t iteration = 0;  ///< iteration at which it diverged
  std::string reason;          ///< e.g. "particle positions became non-finite"
};

/// One move of one followed chain, recorded by the chain methods for the UI's slow motion (the
/// worker fills it; the UI animates it). Empty `path` and iteration −1: nothing recorded yet.
struct ProposalTrace {
  std::int64_t iteration = -1;  ///< the sampler iteration this move completed (1-based)
  int chain = 0;                ///< index of the followed chain
  Vec2 start = Vec2::Zero();    ///< the chain's state before the move
  /// The proposal, in the order it was made: RWMH/MALA one row (the proposed point); HMC the
  /// leapfrog positions after each step; NUTS the tree's leapfrog positions in the order they
  /// were computed (see `side` and `doubling`).
  Points path;
  std::vector<signed char> side;  ///< NUTS: +1 forward, −1 backward in time, per path row
  std::vector<int> doubling;      ///< NUTS: the doubling (0, 1, 2, …) that made each path row
  Vec2 end = Vec2::Zero();        ///< the state after the move (NUTS: the chosen point)
  bool accepted = false;          ///< the chain moved (end ≠ start)
  double accept_prob = 0;  ///< Metropolis probability min(1, α); NUTS: its acceptance statistic
  bool divergent = false;  ///< HMC/NUTS: the energy error exceeded the divergence threshold
};

/// Extra things a method can draw on its canvas. All fields optional.
struct SamplerOverlay {
  std::vector<Points> trails;   ///< recent positions of a few chains (MCMC methods)
  double kernel_bandwidth = 0;  ///< SVGD/amortized SVGD RBF bandwidth h (0: none)
  /// A scalar field on a regular grid over `field_box` (e.g. the flow's log density), row-major
  /// field_n × field_n; empty when absent.
  std::vector<float> field;
  int field_n = 0;
  Box field_box;
  /// Learned vector field (e.g. DFT's score network) at `arrow_origins`; the UI draws the true
  /// score next to it.
  Points arrow_origins, arrow_vectors;
  /// Chain methods: the last move of the followed chain (slow motion).
  ProposalTrace proposal;
  /// HMC/NUTS: starting points of the most recent divergent transitions (bounded ring).
  Points divergences;
};

class ChainWindow;

class Sampler {
 public:
  explicit Sampler(std::shared_ptr<const Target> target) : target_(std::move(target)) {}
  virtual ~Sampler() = default;

  /// Lower-case kind used in scenario files ("svgd", "mala", "flowmc", "dft", ...).
  virtual std::string kind() const = 0;
  /// The knob table of this method (static per kind).
  virtual const ParamTable& param_table() const = 0;

  /// Current knob values (defaults merged with overrides).
  const ParamValues& params() const { return params_; }
  double param(std::string_view name) const { return param_value(params_, name); }
  /// Validates and sets a knob. Knobs marked needs_reset take effect at the next reset();
  /// the others at the next step(). Throws ParamError.
  void set_param(const std::string& name, double value);
  void set_params(const ParamValues& values);

  /// Replaces the target (e.g. a mixture mode was dragged); the state is kept and the method goes
  /// on from where it is on the new target.
  virtual void set_target(std::shared_ptr<const Target> target) { target_ = std::move(target); }
  const Target& target() const { return *target_; }
  std::shared_ptr<const Target> target_ptr() const { return target_; }

  /// Re-initializes everything from `seed`: the same seed gives the same trajectory.
  virtual void reset(std::uint64_t seed) = 0;
  /// One iteration. Must not be called once status().diverged is set.
  /// Interruption: a step that can run long at large settings checks interrupt() between its
  /// inner iterations and throws Interrupted when a stop was requested. The step is then
  /// abandoned: iteration() does not advance and the state stays consistent — every array valid
  /// and as finite as before, so display, metrics and results files can read it; the partial work
  /// a sampler keeps (e.g. flowMC's minibatches already trained) is said where it checks. Stepping
  /// again goes on from there (a valid state, but not the uninterrupted trajectory); the engine
  /// interrupts only steps of runs it is about to remove or restart, or when it stops.
  virtual void step() = 0;
  /// The stop request long steps check (core/common/interrupt.h); null (the default): none.
  /// Samplers made of parts (the EBM trainers, flowMC's flow trainer) pass it on.
  virtual void set_interrupt(const Interrupt* interrupt) { interrupt_ = interrupt; }
  const Interrupt* interrupt() const { return interrupt_; }

  /// The sample set metrics are computed on, n points (neural samplers: a fresh draw of n; particle
  /// and chain methods: their current states, or a subsample of n of them, or all when fewer).
  virtual void evaluation_samples(int n, Points& out) = 0;
  /// The points to draw on the canvas (stable identity across steps, so points move smoothly).
  virtual const Points& display_samples() const = 0;

  /// Per-method statistics at the current iteration, e.g. {"loss", 0.3}, {"accept_local", 0.57}.
  /// Names used by the metrics CSV: loss, accept_local, accept_global, step_size, bandwidth, sigma.
  virtual std::vector<std::pair<std::string, double>> statistics() const { return {}; }
  /// Overlays for the canvas (cheap; called at snapshot time).
  virtual void fill_overlay(SamplerOverlay& out) const {}
  /// Methods of another task (the ebm task's trainers, core/ebm/trainer.h) compute their own
  /// metrics at a metric pass: return true with (name, value) pairs in `out`, and the engine
  /// records those instead of the sampling metrics (KSD, energy distance, mode coverage, chain
  /// diagnostics). The default returns false.
  virtual bool custom_metrics(std::vector<std::pair<std::string, double>>& out) { return false; }
  /// Chain methods: the thinned window of recent chain states (core/samplers/chain_window.h) the
  /// engine computes R-hat and ESS on; null for particle and neural methods.
  virtual const ChainWindow* chain_window() const { return nullptr; }

  std::int64_t iteration() const { return iteration_; }
  const EvalCounters& counters() const { return counters_; }
  const SamplerStatus& status() const { return status_; }

 protected:
  /// Marks the run diverged at the current iteration.
  void mark_diverged(std::string reason) {
    status_.diverged = true;
    status_.iteration = iteration_;
    status_.reason = std::move(reason);
  }
  /// The shared escape check (core/targets/escape.h) on `points` against the target's view box:
  /// when a point is non-finite or far outside the box, marks the run diverged with the reason
  /// and returns true. `what` names the points in the reason ("particle", "chain state").
  bool mark_if_escaped(const Points& points, std::string_view what) {
    std::string reason = escape_reason(points, target_->view_box(), what);
    if (reason.empty()) return false;
    mark_diverged(std::move(reason));
    return true;
  }
  /// Throws Interrupted when a stop was requested (see step()).
  void check_interrupt() const { ss::check_interrupt(interrupt_); }
  /// Clears counters, iteration and status (call from reset()).
  void clear_progress() {
    iteration_ = 0;
    counters_ = {};
    status_ = {};
  }

  std::shared_ptr<const Target> target_;
  ParamValues params_;
  std::int64_t iteration_ = 0;
  EvalCounters counters_;
  SamplerStatus status_;
  Rng rng_;
  const Interrupt* interrupt_ = nullptr;
};

/// Creates a sampler of `kind` on `target` with knob overrides `params` (validated; ParamError on
/// an unknown kind (field "kind") or bad knob). The sampler is reset with `seed`. With
/// `interrupt`, set before the reset, a long construction (flowMC's flow passes at large settings)
/// checks it too and throws Interrupted.
std::unique_ptr<Sampler> make_sampler(const std::string& kind, std::shared_ptr<const Target> target,
                                      const ParamValues& params, std::uint64_t seed,
                                      const Interrupt* interrupt = nullptr);
/// The knob table of a kind (throws ParamError for unknown kinds).
const ParamTable& sampler_param_table(const std::string& kind);

/// The memory a sampler of some settings allocates, estimated from its knobs before anything is
/// built (defect 3 of issue 19: a validated flowMC setting needed ≈ 8 GB). `bytes` counts the
/// arrays whose size the knobs set (chain windows, training histories, network parameters with
/// their gradient and optimizer copies, network activations at the largest batch); what does not
/// grow with the knobs (a few MB) is left out. `dominant` names the knobs of the largest term, for
/// the message that refuses a setting.
struct MemoryEstimate {
  double bytes = 0;
  std::string dominant;
};
/// The estimate of `kind` for fully resolved knobs (resolve_params); kinds without arrays that
/// grow with their knobs return 0 bytes.
MemoryEstimate sampler_memory_estimate(const std::string& kind, const ParamValues& resolved);
/// Parameters of a fully connected net in → widths… → out (weights and biases).
double mlp_parameter_count(int in, int width, int layers, int out);
/// All kinds in UI order, and a one-paragraph "About" text of each in our own words.
std::vector<std::string> sampler_kinds();
std::string sampler_about(const std::string& kind);
std::string sampler_display_name(const std::string& kind);

}  // namespace ss
