// Optimizers, gradient clipping and parameter/optimizer-state save/load for any set of networks.
//
// Everything here works on a list of ParameterSpan (values + gradients of one network each; see
// core/nn/mlp.h), treated as ONE concatenated vector θ = (span_0, span_1, …) in list order. Pass
// the same spans in the same order at every step: the optimizer state is positional.
//
// Binary formats (little-endian hosts only; all counts int64, all reals IEEE double):
//   parameter block : "SSPRM001", int64 n, n doubles (the concatenated values).
//   Adam state      : "SSADAM01", 5 doubles (lr, β1, β2, ε, weight decay), int64 t, int64 n,
//                     n doubles m, n doubles v.
//   Mlp             : "SSMLP001", int32 L+1, (L+1) int32 widths, int32 activation, double slope,
//                     then a parameter block.
// Saving then loading restores every number bit for bit. Loaders throw std::runtime_error with a
// message naming what was wrong (magic, size mismatch, truncation).
#pragma once

#include <Eigen/Core>
#include <iosfwd>
#include <span>
#include <string>

#include "core/nn/mlp.h"

namespace ss::nn {

/// Hyper-parameters of Adam / AdamW (defaults: PyTorch / optax).
struct AdamOptions {
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  /// Decoupled weight decay λ (AdamW). 0 gives plain Adam.
  double weight_decay = 0.0;
  /// Throws std::invalid_argument naming the field if lr < 0, β ∉ [0,1), ε ≤ 0 or λ < 0.
  void validate() const;
};

/// Adam with bias correction; AdamW when weight_decay > 0. One step, t ← t + 1, for each entry:
///   m ← β1 m + (1−β1) g,   v ← β2 v + (1−β2) g²,
///   m̂ = m / (1 − β1^t),   v̂ = v / (1 − β2^t),
///   θ ← θ − lr · ( m̂ / (√v̂ + ε) + λ θ ).
/// (λθ uses the pre-step θ: the same as PyTorch's AdamW and optax.adamw.) Gradients are read, not
/// modified; non-finite gradients are not screened here (check clip_global_norm's return value).
class Adam {
 public:
  Adam() = default;
  /// State for `size` parameters (m = v = 0, t = 0). size ≥ 0.
  explicit Adam(Eigen::Index size, const AdamOptions& options = {});

  /// One update of the spans' values from their gradients. The total size must equal size()
  /// (std::invalid_argument otherwise). Allocates nothing.
  void step(std::span<const ParameterSpan> spans);
  void step(const ParameterSpan& span) { step(std::span<const ParameterSpan>(&span, 1)); }

  /// Zeros m, v and t (keeps options).
  void reset();
  Eigen::Index size() const { return m_.size(); }
  std::int64_t steps() const { return t_; }
  const AdamOptions& options() const { return options_; }
  /// Changes the learning rate (schedules); other options are fixed at construction.
  void set_learning_rate(double lr);
  const Vec& first_moment() const { return m_; }
  const Vec& second_moment() const { return v_; }

  /// Writes options, t, m, v ("SSADAM01" format above).
  void save(std::ostream& out) const;
  /// Restores what save() wrote (replaces options and size).
  void load(std::istream& in);

 private:
  AdamOptions options_;
  Vec m_, v_;
  std::int64_t t_ = 0;
};

/// Convenience: an AdamW optimizer (decoupled weight decay λ, optax's default 1e-4).
inline Adam make_adamw(Eigen::Index size, double learning_rate, double weight_decay = 1e-4) {
  AdamOptions o;
  o.learning_rate = learning_rate;
  o.weight_decay = weight_decay;
  return Adam(size, o);
}

/// Total number of parameters in the spans.
Eigen::Index total_size(std::span<const ParameterSpan> spans);

/// Global gradient norm ‖g‖₂ over all spans (double accumulation, overflow-safe scaling).
double global_gradient_norm(std::span<const ParameterSpan> spans);
inline double global_gradient_norm(const ParameterSpan& span) {
  return global_gradient_norm(std::span<const ParameterSpan>(&span, 1));
}

/// Global-norm clipping: with n = ‖g‖₂ over all spans, if n > max_norm every gradient is multiplied
/// by max_norm / n (direction kept); otherwise nothing changes. Returns the PRE-clip norm n.
/// If n is not finite the gradients are left untouched and n (inf/NaN) is returned so the caller
/// can skip the step. max_norm must be > 0 (std::invalid_argument).
double clip_global_norm(std::span<const ParameterSpan> spans, double max_norm);
inline double clip_global_norm(const ParameterSpan& span, double max_norm) {
  return clip_global_norm(std::span<const ParameterSpan>(&span, 1), max_norm);
}

/// The clipped optimizer step every trainer takes (the neural samplers' generator and score
/// network, RealNVP training; written once, issue 19): n = the PRE-clip global gradient norm,
/// with clip_global_norm when max_norm > 0 (global_gradient_norm, no clipping, when max_norm ≤ 0);
/// then, when n is finite, one step of `adam` at its current learning rate. A non-finite n takes
/// no step (the caller skips the batch or stops the run). Returns n.
double clip_and_step(Adam& adam, std::span<const ParameterSpan> spans, double max_norm);
inline double clip_and_step(Adam& adam, const ParameterSpan& span, double max_norm) {
  return clip_and_step(adam, std::span<const ParameterSpan>(&span, 1), max_norm);
}

/// Writes the concatenated parameter values ("SSPRM001" block).
void save_parameters(std::ostream& out, std::span<const ParameterSpan> spans);
/// Reads a parameter block into the spans; the stored count must equal total_size(spans).
void load_parameters(std::istream& in, std::span<const ParameterSpan> spans);

/// Parameters and optimizer state together (a parameter block then an Adam state), to a stream.
void save_checkpoint(std::ostream& out, std::span<const ParameterSpan> spans, const Adam& adam);
/// Restores both; sizes must match the spans.
void load_checkpoint(std::istream& in, std::span<const ParameterSpan> spans, Adam& adam);
/// File versions of the above (binary files; the save is written to path + ".tmp" then renamed).
void save_checkpoint_file(const std::string& path, std::span<const ParameterSpan> spans,
                          const Adam& adam);
void load_checkpoint_file(const std::string& path, std::span<const ParameterSpan> spans,
                          Adam& adam);

}  // namespace ss::nn
