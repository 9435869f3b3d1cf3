// RealNVP affine-coupling normalizing flow on R² with hand-written maximum-likelihood gradients.
//
// Used by flowMC (flowmc.md §1–2): the flow is trained by maximum likelihood on chain samples and
// then proposes independent Metropolis–Hastings moves with sample() + log_prob().
//
// Density. Base ρ = N(0, I₂). The normalizing map f (data → latent) is
//   x̃ = (x − μ) / σ                      (optional elementwise whitening; identity when off)
//   h_0 = x̃,  h_k = C_k(h_{k−1}) for k = 1..K,   z = h_K,
// and log q(x) = log ρ(z) + Σ_k log|det ∂C_k| − Σ_i log σ_i. The whitening constant −Σ log σ_i IS
// included (flowMC drops it; we want a normalized density for display and for tests).
//
// Coupling k (0-based) keeps coordinate u = h[k mod 2] and transforms the other one, v:
//   (ŝ, t) = net_k(u)        (one MLP 1 → hidden… → 2, linear output)
//   s = c·tanh(ŝ),   v' = (v + t)·e^s,   log|det| = s.
// Its inverse (latent → data) is v = v'·e^{−s} − t. With the output layers initialised to zero
// the flow starts as exactly the identity (up to whitening).
//
// Maximum-likelihood backprop for one coupling (per-sample loss ℓ = −log q; g' = ∂ℓ/∂v',
// g_u = ∂ℓ/∂u from the layers above; at the top ∂ℓ/∂z = z):
//   ∂ℓ/∂v = g'·e^s,   ∂ℓ/∂t = g'·e^s,   ∂ℓ/∂s = g'·v' − 1,   ∂ℓ/∂ŝ = ∂ℓ/∂s · c·(1 − tanh²ŝ),
//   ∂ℓ/∂u = g_u + net_kᵀ-VJP(∂ℓ/∂ŝ, ∂ℓ/∂t)  (ordinary MLP backprop, which also gives the net's
//   parameter gradient).  Whitening scales the input gradient: ∂ℓ/∂x = (∂ℓ/∂x̃) / σ.
//
// Memory: every call works in buffers owned by the flow (and its nets) that grow to the largest
// batch seen; at a fixed batch size nothing allocates. Not thread-safe (one owner at a time).
// Interruption (set_interrupt): every pass checks before each coupling and throws Interrupted; the
// call's outputs are then not (or only partly, for sample()'s) written, the parameters never.
// Results depend only on the seed: sample() draws its normals serially from the given Rng.
#pragma once

#include <Eigen/Core>
#include <iosfwd>
#include <span>
#include <vector>

#include "core/common/interrupt.h"
#include "core/common/rng.h"
#include "core/common/types.h"
#include "core/nn/mlp.h"
#include "core/nn/optim.h"

namespace ss::flows {

using nn::ConstRowsRef;
using nn::RowsRef;

/// Architecture of a RealNVP flow.
struct RealNvpOptions {
  /// Number of couplings K (alternating kept coordinate: x then y then x …). ≥ 1.
  int num_couplings = 8;
  /// Hidden widths of each coupling net (net is 1 → hidden… → 2). May be empty (affine in u).
  std::vector<int> hidden = {32, 32};
  nn::Activation activation = nn::Activation::kSiLU;
  /// Scale bound c in s = c·tanh(ŝ) (> 0).
  double scale_bound = 1.0;
  /// Hidden-layer init (the output layer is always initialised to exactly zero).
  nn::Init init = nn::Init::kHeNormal;
  /// Throws std::invalid_argument naming the field when out of range.
  void validate() const;
};

/// RealNVP flow on R² (see the file header for the maps and formulas).
class RealNvp {
 public:
  RealNvp() = default;
  /// Builds the nets and initialises them from rng (identity map at start).
  RealNvp(const RealNvpOptions& options, Rng& rng);

  const RealNvpOptions& options() const { return options_; }
  int num_couplings() const { return static_cast<int>(nets_.size()); }
  /// The coupling net k (1 → hidden → 2, outputs ŝ then t).
  nn::Mlp& net(int k) { return nets_[k]; }
  const nn::Mlp& net(int k) const { return nets_[k]; }
  /// Total number of trainable parameters (whitening is not trainable).
  Eigen::Index num_parameters() const;

  /// Sets whitening x̃ = (x − mean)/std (std entries > 0 and finite, else std::invalid_argument).
  void set_whitening(const Vec2& mean, const Vec2& std);
  /// Sets whitening from the sample mean and standard deviation of the rows of x (N ≥ 2; a
  /// coordinate with zero spread gets std 1). Non-finite rows are skipped.
  void fit_whitening(ConstRowsRef x);
  /// Turns whitening off (mean 0, std 1).
  void clear_whitening();
  const Vec2& whitening_mean() const { return mean_; }
  const Vec2& whitening_std() const { return std_; }

  /// log q(x) for each row of x (N × 2) into log_q (size N, caller-sized). Caches the pass for
  /// backward_nll().
  void log_prob(ConstRowsRef x, Eigen::Ref<Vec> log_q);
  /// Data → latent: z = f(x) and log|det ∂f/∂x| (whitening term included) per row.
  void to_latent(ConstRowsRef x, RowsRef z, Eigen::Ref<Vec> log_det);
  /// Latent → data: x = f⁻¹(z) and log|det ∂f⁻¹/∂z| per row (= −log|det ∂f/∂x| at x).
  void from_latent(ConstRowsRef z, RowsRef x, Eigen::Ref<Vec> log_det);

  /// Draws n points: z ~ N(0, I) from rng (row by row, x then y), x = f⁻¹(z); out (n × 2) gets x
  /// and log_density (size n) gets log q(x) = log ρ(z) − log|det ∂f⁻¹/∂z|. Both caller-sized.
  void sample(Eigen::Index n, Rng& rng, RowsRef out, Eigen::Ref<Vec> log_density);

  /// Mean negative log-likelihood −(1/N) Σ log q(x_i) of the rows of x, and its parameter gradient
  /// written (overwritten) into the nets' gradient vectors. N ≥ 1.
  double nll_and_gradient(ConstRowsRef x);
  /// Backward pass of the mean NLL for the batch of the last log_prob() call: overwrites the
  /// parameter gradients; if grad_x is given (N × 2) it receives ∂(−log q(x_i))/∂x_i per row
  /// (NOT divided by N). Requires a prior log_prob() on the batch.
  void backward_nll(RowsRef* grad_x = nullptr);
  /// ∇_x log q(x) per row (N × 2) and log q into log_q (runs log_prob + backward; overwrites the
  /// parameter gradients as a side effect).
  void log_prob_gradient(ConstRowsRef x, Eigen::Ref<Vec> log_q, RowsRef grad_log_q);

  /// (values, gradients) of every net, in coupling order, for core/nn/optim.h. The span list is
  /// rebuilt from the current nets on every call (no allocation after the first).
  std::span<const nn::ParameterSpan> parameters();
  /// Sets every gradient to zero.
  void zero_gradients();
  /// The stop request every pass (log_prob, sample, nll_and_gradient, …) checks before each
  /// coupling (core/common/interrupt.h; null: none). With a large flow one coupling of one pass
  /// is the longest uninterruptible piece. An interrupted pass leaves no cache for backward_nll.
  void set_interrupt(const Interrupt* interrupt) { interrupt_ = interrupt; }
  const Interrupt* interrupt() const { return interrupt_; }

  /// Writes options, whitening and parameters (binary "SSRNVP01" then a parameter block).
  void save(std::ostream& out) const;
  /// Reads what save() wrote; throws std::runtime_error on a bad stream.
  static RealNvp load(std::istream& in);

 private:
  void ensure_capacity(Eigen::Index n);
  void forward_pass(ConstRowsRef x, Eigen::Index n);

  RealNvpOptions options_;
  const Interrupt* interrupt_ = nullptr;
  std::vector<nn::Mlp> nets_;
  std::vector<nn::ParameterSpan> spans_;
  Vec2 mean_ = Vec2::Zero(), std_ = Vec2::Ones();

  // Workspace (capacity_ rows). h_[k] holds h_k as 2 × cap feature-major (h_[0] = x̃, h_[K] = z).
  Eigen::Index capacity_ = 0, batch_ = 0;
  std::vector<Vec> h_;
  std::vector<Vec> s_;    // s_[k]: s values (cap) of coupling k
  std::vector<Vec> dsh_;  // dsh_[k]: c·(1 − tanh² ŝ) (cap)
  Vec u_;                 // kept coordinate, contiguous (cap), MLP input
  Vec gout_;              // N × 2 grad wrt (ŝ, t), row-major
  Vec gh_;                // 2 × cap running ∂ℓ/∂h
  Vec gu_;                // cap: ∂ℓ/∂u from the net
  Vec log_det_;           // cap: Σ_k s
};

/// Minibatch maximum-likelihood training of a RealNVP with AdamW + global-norm clipping, as in
/// flowmc.md §1.7: each epoch permutes the data (rng), splits it into ⌊N/batch⌋ minibatches (one
/// full-batch step if N < batch), clips the gradient norm, takes an AdamW step. The optimizer state
/// persists across train() calls. With keep_best, the flow ends with the parameters of the epoch
/// whose LAST minibatch loss was lowest (flowMC's rule).
struct FlowTrainOptions {
  int epochs = 20;
  int batch_size = 256;
  double max_grad_norm = 1.0;
  nn::AdamOptions adam{1e-3, 0.9, 0.999, 1e-8, 1e-4};
  bool keep_best = true;
  /// Re-fit the whitening to the data at the start of every train() call (flowMC's rule).
  bool fit_whitening = false;
  /// Throws std::invalid_argument naming the field when out of range.
  void validate() const;
};

/// Result of one RealNvpTrainer::train() call.
struct FlowTrainReport {
  std::vector<double> epoch_loss;  ///< last-minibatch mean NLL per epoch
  int best_epoch = -1;             ///< index into epoch_loss of the kept parameters
  double last_grad_norm = 0;       ///< pre-clip norm of the final step
  int skipped_steps = 0;           ///< steps skipped because the gradient was not finite
};

/// Reusable trainer owning the AdamW state and minibatch buffers for one flow.
class RealNvpTrainer {
 public:
  RealNvpTrainer(RealNvp& flow, const FlowTrainOptions& options);
  /// Runs options.epochs epochs on the rows of data (N × 2, N ≥ 1, finite rows only).
  FlowTrainReport train(ConstRowsRef data, Rng& rng);
  /// The same into `report` (cleared first; its epoch_loss keeps its capacity, so a caller that
  /// trains epoch by epoch with one report allocates nothing after the first call).
  void train(ConstRowsRef data, Rng& rng, FlowTrainReport& report);
  nn::Adam& optimizer() { return adam_; }
  const FlowTrainOptions& options() const { return options_; }
  /// The stop request train() checks before every minibatch (core/common/interrupt.h; null:
  /// none). An interrupted train() throws Interrupted: the minibatch steps already taken are
  /// kept (parameters and AdamW state valid), `report` holds the epochs finished, and keep_best's
  /// restore is not done.
  void set_interrupt(const Interrupt* interrupt) { interrupt_ = interrupt; }

 private:
  const Interrupt* interrupt_ = nullptr;
  RealNvp* flow_;
  FlowTrainOptions options_;
  nn::Adam adam_;
  nn::RowMatrix batch_;
  std::vector<Eigen::Index> order_;
  Vec best_params_;
};

}  // namespace ss::flows
