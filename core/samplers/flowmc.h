// flowMC (Wong, Gabrié, Foreman-Mackey; reference note flowmc.md §1–2): m chains alternating MALA
// local steps with independence Metropolis–Hastings (IMH) steps whose proposal is a RealNVP flow
// trained by maximum likelihood on the chains' own recent history.
//
// Schedule (flowmc.md §1.6). `training_loops` times: a local block (`local_steps` MALA steps, ε
// adapted toward `target_accept` when `adapt` is on) → flow training (`epochs` epochs of Adam with
// global-norm clipping at `max_grad_norm` on `max_examples` points drawn with replacement from the
// last `history_window` positions of every chain; the whitening is re-fitted to that data first;
// the parameters of the epoch with the lowest last-minibatch loss are kept, flowmc.md §1.7; the
// optimizer state persists across loops) → a global block (`global_steps` IMH steps). Then the
// production phase: local block, global block, repeated (`production_loops` of them, 0 = until the
// budget ends; after a positive count the phase statistic becomes 2 and production simply goes on)
// with flow and ε frozen, so the kernel is a fixed π-invariant MCMC kernel.
//
// What one iteration (step()) is: ONE step of every chain — one MALA step of all chains in a local
// block, one IMH step of all chains in a global block — or ONE training epoch. A training loop at
// the defaults is therefore local_steps + epochs + global_steps = 40 + 20 + 40 iterations; each
// step() stays a few milliseconds at the defaults (see docs/performance), so the UI stays fluid.
//
// IMH step, per chain: proposal x' from the mixture q = (1 − w)·q_flow + w·U(view box), w =
// `box_proposal_weight` (our addition, a "defensive" component; w = 0 gives flowMC exactly). It
// lets chains discover modes that no chain has visited, which a flow trained only on the chains
// cannot do (flowmc.md §5). Accept with log α = [log π(x') − log π(x)] − [log q(x') − log q(x)]
// (log q by log-sum-exp of the two components; log q of the current states is cached and
// recomputed after every training block). Non-finite log π(x') rejects.
//
// Evaluations: a MALA step costs m joint (log density + score) evaluations; an IMH step m log
// densities; after a global block the scores of chains that moved are recomputed (counted as
// scores) before the next local step.
// Random numbers per IMH step: the flow draws 2m normals (flow.sample), then per chain one uniform
// for the mixture choice (+2 uniforms for a box proposal), then m acceptance uniforms. Training
// uses a child Rng. Everything is drawn serially: same seed → same trajectory for any thread count.
//
// Statistics: accept_local and accept_global (rates over the current phase, training or
// production), loss (last epoch's loss, mean NLL), step_size, phase (0 training, 1 production,
// 2 production beyond production_loops), loop (training loops done).
// Overlay: trails of a few chains and the flow's log density on a 64×64 grid over the view box
// (refreshed after each training block).
// Interruption (Sampler::step, reset): inside step() and reset() every flow pass checks before each
// coupling (RealNvp::set_interrupt), a training epoch before every minibatch (RealNvpTrainer) and
// while drawing its training set. An interrupted step does not count: an interrupted epoch keeps
// the minibatch steps taken (a valid flow, which the global block does not use before the block's
// last epoch has finished training), the chains, window and history are untouched, and an
// interrupted first epoch draws its training set again when redone; the block's last epoch
// finishes training (best parameters restored, log q of the states and the overlay field
// recomputed) inside the step, so an interruption there is redone as one more epoch; an
// interrupted global step has only drawn random numbers. An interrupted reset() throws.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/flows/realnvp.h"
#include "core/samplers/chain_window.h"
#include "core/samplers/initialization.h"
#include "core/samplers/langevin.h"
#include "core/samplers/sampler.h"

namespace ss {

extern const char* const kFlowMcAbout;

/// The flow's normalized log density log q(x) at the cell centres of an n × n grid over `box`
/// (row-major, iy * n + ix), as floats for the canvas overlay (SamplerOverlay::field). Used by
/// flowMC and flowMC-EBM (core/ebm/flowmc_negatives.h).
void flow_log_density_field(flows::RealNvp& flow, const Box& box, int n, std::vector<float>& out);
/// Buffers of flow_log_density_field (the grid's cell centres and their log q), kept by a caller
/// that refreshes the field repeatedly: with the same n nothing is allocated after the first call.
struct FlowFieldWorkspace {
  Points grid;
  Vec log_q;
};
void flow_log_density_field(flows::RealNvp& flow, const Box& box, int n, std::vector<float>& out,
                            FlowFieldWorkspace& ws);

class FlowMcSampler final : public Sampler {
 public:
  /// Side of the grid on which the flow density overlay is evaluated (kFieldN² points at once).
  static constexpr int kFieldN = 64;
  explicit FlowMcSampler(std::shared_ptr<const Target> target);

  /// Knobs: chains, local_steps, global_steps, training_loops, production_loops, epochs,
  /// learning_rate, batch_size, max_examples, history_window, max_grad_norm, step_size, adapt,
  /// target_accept, couplings, hidden_width, hidden_layers, box_proposal_weight, trail_chains,
  /// trail_length, init… (see docs/methods.md for ranges and symptoms).
  static const ParamTable& table();
  std::string kind() const override { return "flowmc"; }
  const ParamTable& param_table() const override { return table(); }

  void reset(std::uint64_t seed) override;
  void step() override;
  /// The newest n states of the chain window (chain_window.h; recorded on chain moves only,
  /// never during training epochs).
  void evaluation_samples(int n, Points& out) override;
  const ChainWindow* chain_window() const override { return &window_; }
  const Points& display_samples() const override { return states_.x; }
  std::vector<std::pair<std::string, double>> statistics() const override;
  void fill_overlay(SamplerOverlay& out) const override;
  void set_target(std::shared_ptr<const Target> target) override;
  void set_interrupt(const Interrupt* interrupt) override;

  enum class Block { local, train, global };
  /// Whether the sampler is in production (flow and ε frozen).
  bool in_production() const { return production_; }
  Block block() const { return block_; }
  double step_size() const { return eps_; }
  double accept_local() const;
  double accept_global() const;
  const ChainStates& states() const { return states_; }
  flows::RealNvp& flow() { return flow_; }

 private:
  void start_block(Block b);
  void local_iteration();
  void global_iteration();
  void train_iteration();
  void finish_training();
  void refresh_log_q();
  void refresh_stale_scores();
  void mixture_log_q(const Points& x, Vec& log_q_flow_in, Vec& out) const;
  void record_history();
  void compute_field();

  ChainStates states_;
  Vec log_q_;                         // log q_mix of the current states
  std::vector<unsigned char> stale_;  // score needs recomputing (moved by IMH)
  LangevinWorkspace lws_;
  ChainTrails trails_;
  ChainWindow window_;
  flows::RealNvp flow_;
  std::unique_ptr<flows::RealNvpTrainer> trainer_;
  Rng train_rng_;

  // History window: ring of the last W positions of every chain, W × m × 2 (slot-major).
  std::vector<Points> history_;
  int history_head_ = 0, history_count_ = 0;
  Points train_data_;
  Eigen::VectorXd best_params_;
  double best_loss_ = 0, last_loss_ = 0;

  // IMH buffers.
  Points proposal_;
  Vec proposal_log_q_flow_, proposal_log_q_, proposal_logp_;

  Block block_ = Block::local;
  bool production_ = false;
  int loop_ = 0, block_iter_ = 0, production_loops_done_ = 0;
  double eps_ = 0;
  std::int64_t local_acc_ = 0, local_prop_ = 0, global_acc_ = 0, global_prop_ = 0;
  std::int64_t adapt_t_ = 0;

  std::vector<float> field_;
  FlowFieldWorkspace field_ws_;

  // Step buffers kept across steps (no allocation in step(), see refresh_stale_scores).
  flows::FlowTrainReport train_report_;
  std::vector<Eigen::Index> stale_rows_;
  Points stale_x_, stale_grad_;
};

}  // namespace ss
