// Small dense networks (multi-layer perceptrons) with hand-written, gradient-checked backprop.
//
// Used by the neural samplers (DFT generator g_θ and score net S_φ, amortized SVGD, KL-NS) and by
// the RealNVP flow's coupling nets. There is no autograd: each backward rule is written out below
// and checked against central finite differences in tests/nn/mlp_test.cpp.
//
// Network: widths w_0 = d_in, w_1, …, w_L = d_out (L ≥ 1 affine layers). For one input x:
//   a_0 = x,   z_l = W_l a_{l-1} + b_l,   a_l = φ(z_l) for l < L,   y = z_L   (linear output
//   layer).
// W_l is w_l × w_{l-1}, b_l has w_l entries, φ is the network's activation (the same for every
// hidden layer; kTanhSiLU applies tanh to the first ⌈w_l/2⌉ units of each hidden layer and SiLU to
// the rest).
//
// Batches: the public interface speaks "one sample per row" (N × d row-major, the layout of
// ss::Points). Internally every activation is stored feature-major (w_l × N column-major, which is
// the same memory as an N × w_l row-major block), so each layer is one GEMM over the whole batch.
//
// Parameters: ONE contiguous flat vector per network, and one gradient vector of the same layout:
// for l = 1..L, W_l (column-major, w_l·w_{l-1} numbers) then b_l (w_l numbers). weight(l)/bias(l)
// are Eigen::Map views into it. ParameterSpan hands (values, gradients) to the optimizers, the
// clipping and save/load in core/nn/optim.h, which work on any list of spans (any set of networks).
//
// Workspace: forward() keeps what backward needs (layer inputs and φ'(z_l)) in buffers owned by the
// network. They grow to the largest batch seen (or reserve(n)); afterwards forward, backward,
// input_vjp and input_jacobians at any batch size ≤ that capacity do NOT allocate.
// Backward calls use the cache of the most recent forward() and require the same batch size.
//
// Threads: a network object is not thread-safe (its workspace is mutable state), but its own passes
// may use TBB over blocks of 128 columns (see set_threading). Results are bitwise deterministic
// whatever the number of threads: the blocks are fixed by the batch size, and parameter gradients
// are summed over at most 8 fixed groups of blocks in a fixed order. (A row's output may differ in
// the last bits between batch sizes, since Eigen's kernels sum in size-dependent orders.)
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <iosfwd>
#include <string_view>
#include <vector>

#include "core/common/rng.h"
#include "core/common/types.h"

namespace ss::nn {

/// N × d block, one sample per row (row-major, like ss::Points).
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// Read-only view of an N × d row-major block (binds ss::Points, RowMatrix and their row blocks
/// without copying).
using ConstRowsRef = Eigen::Ref<const RowMatrix>;
/// Writable view of an N × d row-major block; the caller sizes it.
using RowsRef = Eigen::Ref<RowMatrix>;
/// Read-only view of the network's own N × d buffers (valid until the next call on the network).
using RowsView = Eigen::Map<const RowMatrix>;

/// Hidden-layer nonlinearity φ and its derivative φ' (the output layer is always linear).
enum class Activation {
  kSiLU,       ///< φ(z) = z·σ(z),  φ'(z) = σ(z)·(1 + z·(1 − σ(z))),  σ = logistic
  kTanh,       ///< φ(z) = tanh z,  φ'(z) = 1 − tanh² z
  kReLU,       ///< φ(z) = max(z, 0),  φ'(z) = [z > 0]  (φ'(0) = 0)
  kLeakyReLU,  ///< φ(z) = z for z > 0 else α z,  φ'(z) = 1 or α  (α = leaky_slope, default 0.01)
  kSoftplus,  ///< φ(z) = log(1 + e^z) (computed stably),  φ'(z) = σ(z)
  /// Per unit: tanh on the first ⌈w/2⌉ units of a hidden layer of width w, SiLU on the others
  /// (a saturating half for folds and steps, an unbounded half for growing tails).
  kTanhSiLU,
};

/// Lower-case name of an activation: "silu", "tanh", "relu", "leaky_relu", "softplus",
/// "tanh_silu".
const char* activation_name(Activation a);
/// Parses a name from activation_name(); throws std::invalid_argument naming the bad value.
Activation activation_from_name(std::string_view name);

/// Weight initialisation schemes (biases are set to InitOptions::bias, default 0).
/// fan_in = w_{l-1}, fan_out = w_l.
enum class Init {
  kHeNormal,       ///< W ~ N(0, 2/fan_in)
  kHeUniform,      ///< W ~ U(−√(6/fan_in), √(6/fan_in))           (variance 2/fan_in)
  kGlorotNormal,   ///< W ~ N(0, 2/(fan_in + fan_out))
  kGlorotUniform,  ///< W ~ U(−√(6/(fan_in+fan_out)), +√(6/(fan_in+fan_out)))
};

struct InitOptions {
  Init scheme = Init::kHeNormal;
  /// Multiplies the LAST layer's weights after drawing them; 0 gives an exactly-zero output layer
  /// (network output ≡ its last bias, e.g. so that a coupling flow starts as the identity).
  double last_layer_scale = 1.0;
  /// Value of every bias.
  double bias = 0.0;
};

/// Whether a backward pass overwrites the gradient vector or adds to it.
enum class GradMode {
  kOverwrite,   ///< gradients = this pass's gradient (default; no zero_gradients() needed)
  kAccumulate,  ///< gradients += this pass's gradient (several passes per optimizer step)
};

/// A parameter vector and its gradient, as seen by optimizers, clipping and save/load.
/// Raw pointers into a network's storage: valid while that network is alive and not reassigned;
/// fetch spans afresh each step (it is free) rather than storing them.
struct ParameterSpan {
  double* values = nullptr;
  double* gradients = nullptr;
  Eigen::Index size = 0;
  Eigen::Map<Vec> value_map() const { return Eigen::Map<Vec>(values, size); }
  Eigen::Map<Vec> gradient_map() const { return Eigen::Map<Vec>(gradients, size); }
};

/// Multi-layer perceptron with a per-network activation and a linear output layer.
class Mlp {
 public:
  /// An empty network (no layers); assign a constructed one before use.
  Mlp() = default;
  /// widths = {d_in, hidden…, d_out}, at least 2 entries, all ≥ 1 (else std::invalid_argument
  /// naming "widths"). Parameters start at zero; call initialize(). leaky_slope is α of kLeakyReLU.
  Mlp(std::vector<int> widths, Activation activation, double leaky_slope = 0.01);

  int input_dim() const { return widths_.empty() ? 0 : widths_.front(); }
  int output_dim() const { return widths_.empty() ? 0 : widths_.back(); }
  /// Number of affine layers L (= widths().size() − 1).
  int num_layers() const { return static_cast<int>(widths_.size()) - 1; }
  const std::vector<int>& widths() const { return widths_; }
  Activation activation() const { return activation_; }
  double leaky_slope() const { return leaky_slope_; }
  /// Total number of parameters Σ_l w_l·(w_{l-1} + 1).
  Eigen::Index num_parameters() const { return params_.size(); }

  /// Draws every weight from `rng` with the chosen scheme (layer by layer, W_l column-major order)
  /// and sets biases; the result depends only on the rng state.
  void initialize(Rng& rng, const InitOptions& options = {});

  /// The flat parameter vector (layout in the file header) and its gradient.
  Eigen::Map<Vec> parameters() { return {params_.data(), params_.size()}; }
  Eigen::Map<const Vec> parameters() const { return {params_.data(), params_.size()}; }
  Eigen::Map<Vec> gradients() { return {grads_.data(), grads_.size()}; }
  Eigen::Map<const Vec> gradients() const { return {grads_.data(), grads_.size()}; }
  /// (values, gradients) span for the optimizers in core/nn/optim.h.
  ParameterSpan parameter_span() { return {params_.data(), grads_.data(), params_.size()}; }
  /// Sets the gradient vector to zero.
  void zero_gradients() { grads_.setZero(); }

  /// W_l (w_l × w_{l-1}) and b_l for layer l = 0..L−1 (0-based here), as views into the flat
  /// vector.
  Eigen::Map<Eigen::MatrixXd> weight(int layer);
  Eigen::Map<const Eigen::MatrixXd> weight(int layer) const;
  Eigen::Map<Vec> bias(int layer);
  Eigen::Map<const Vec> bias(int layer) const;
  /// The matching blocks of the gradient vector.
  Eigen::Map<Eigen::MatrixXd> weight_gradient(int layer);
  Eigen::Map<Vec> bias_gradient(int layer);

  /// Grows the workspace to hold batches of up to n rows (forward does this on demand too).
  void reserve(Eigen::Index n);
  /// Rows the workspace currently holds without allocating.
  Eigen::Index capacity() const { return capacity_; }
  /// Batch size of the most recent forward() (0 before the first).
  Eigen::Index batch_size() const { return batch_; }
  /// Allows (default) or forbids TBB parallelism over column blocks inside this network's passes
  /// (it runs in the caller's task_arena, so the caller caps the threads). Results are identical
  /// either way.
  void set_threading(bool enabled) { threading_ = enabled; }
  bool threading() const { return threading_; }

  /// y = net(x) for each row of x (N × d_in); caches what backward needs. Returns a view of the
  /// network's own output buffer (N × d_out), valid until the next forward(). Throws
  /// std::invalid_argument if x has the wrong number of columns. N = 0 is allowed (empty output).
  RowsView forward(ConstRowsRef x);
  /// As above, copying the output into y (N × d_out, sized by the caller; checked).
  void forward(ConstRowsRef x, RowsRef y);
  /// The output of the most recent forward() (N × d_out).
  RowsView output() const;

  /// Parameter VJP (ordinary backprop) for the last forward(). grad_y = ∂ℓ/∂y (N × d_out), summed
  /// over rows (no 1/N: scale grad_y yourself for a mean loss). With δ_L = grad_yᵀ (d_out × N):
  ///   ∂ℓ/∂W_l = δ_l a_{l-1}ᵀ,   ∂ℓ/∂b_l = δ_l 𝟙,   δ_{l-1} = (W_lᵀ δ_l) ⊙ φ'(z_{l-1}).
  /// Writes or adds (mode) into gradients().
  void backward(ConstRowsRef grad_y, GradMode mode = GradMode::kOverwrite);
  /// As above and also the input gradient grad_x = ∂ℓ/∂x = (W_1ᵀ δ_1)ᵀ (N × d_in, caller-sized).
  void backward(ConstRowsRef grad_y, RowsRef grad_x, GradMode mode = GradMode::kOverwrite);

  /// Input VJP only: grad_x[i] = J(x_i)ᵀ grad_y[i] per row, where J = ∂y/∂x (d_out × d_in) at the
  /// last forward's inputs; the parameter gradients are not touched (this is DFT's J_Sᵀ·w).
  /// Same recursion as backward without the ∂W, ∂b products.
  void input_vjp(ConstRowsRef grad_y, RowsRef grad_x);
  /// As above, returning a view of the network's own N × d_in buffer (valid until the next call).
  RowsView input_vjp(ConstRowsRef grad_y);

  /// Input Jacobians of every row of the last forward: row i of `jac` (N × d_out·d_in) holds
  /// J(x_i) row-major, jac(i, o·d_in + k) = ∂y_o/∂x_k (for 2 → 2: J00, J01, J10, J11).
  /// Forward-mode: T_1 = W_1 e_k, T_l = W_l (φ'(z_{l-1}) ⊙ T_{l-1}) for each input direction k.
  void input_jacobians(RowsRef jac);
  /// The d_out × d_in Jacobian of one row of the last forward (allocates; diagnostics and tests).
  Eigen::MatrixXd input_jacobian(Eigen::Index row) const;

  /// Writes architecture and parameters (binary, format in core/nn/optim.h: "SSMLP001", int32
  /// layer count + widths, int32 activation, double leaky slope, then the parameter block).
  void save(std::ostream& out) const;
  /// Reads what save() wrote; throws std::runtime_error on a bad or truncated stream.
  static Mlp load(std::istream& in);

 private:
  struct LayerOffsets {
    Eigen::Index weight = 0, bias = 0;
  };
  static constexpr Eigen::Index kBlock = 128;    // columns per block
  static constexpr Eigen::Index kMaxGroups = 8;  // partial-gradient groups
  static Eigen::Index num_blocks(Eigen::Index n);
  static Eigen::Index num_groups(Eigen::Index n);
  bool use_threads(Eigen::Index n) const;
  void check_forward_done(const char* who, Eigen::Index rows) const;
  void backward_impl(ConstRowsRef grad_y, double* grad_x, bool parameter_grads, GradMode mode);
  void backward_block(ConstRowsRef grad_y, Eigen::Index j0, Eigen::Index nb, double* grad,
                      bool accumulate, double* grad_x);

  std::vector<int> widths_;
  Activation activation_ = Activation::kSiLU;
  double leaky_slope_ = 0.01;
  std::vector<LayerOffsets> offsets_;
  Vec params_, grads_;

  // Workspace (feature-major, capacity_ columns each).
  bool threading_ = true;
  Eigen::Index capacity_ = 0, batch_ = 0, max_width_ = 0;
  Vec partial_;                // per-group partial parameter gradients (P × groups)
  std::vector<Vec> act_;       // act_[l]: a_l (w_l × cap), l = 0..L (act_[L] = output y)
  std::vector<Vec> dact_;      // dact_[l]: φ'(z_l) for hidden l = 1..L−1 (index l)
  Vec delta_a_, delta_b_;      // ping-pong δ buffers (max width × cap)
  Vec grad_in_;                // d_in × cap input gradient for the view-returning input_vjp
  Vec tangent_a_, tangent_b_;  // forward-mode buffers for input_jacobians
  Vec thin_wt_;                // W_lᵀ of layers with w_l ≤ 4 (parameter layout), for backward
};

}  // namespace ss::nn
