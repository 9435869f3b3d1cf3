// Amortized SVGD ("learning to draw samples", Wang & Liu, arXiv 1611.01722; reference note
// svgd.md §2): a generator x = g_θ(z), z ~ N(0, I_k), trained so that its outputs move along the
// SVGD direction computed on its own batch.
//
// Each iteration: draw B latents, x_i = g_θ(z_i), evaluate the target scores s_q(x_i), compute the
// SVGD direction φ_i = (1/B) Σ_j [k(x_j, x_i) s_q(x_j) + ∇_{x_j} k(x_j, x_i)] with the RBF kernel
// of svgd_kernel.h (the same code as SVGD; median heuristic or a fixed bandwidth), and
// back-propagate the output gradient −φ_i / B (φ held constant: the kernel is not differentiated)
// through g_θ, so that Adam's descent moves every x_i along +φ_i. This is one gradient step of the
// least-squares fit of g_θ to the SVGD-moved batch x_i + εφ_i (svgd.md §2.1), ε absorbed into the
// learning rate.
//
// Statistics: loss (mean ‖φ_i‖² of the last batch: the squared length of the SVGD direction,
// which goes to ~0 at a fixed point of SVGD), bandwidth (the kernel bandwidth h), grad_norm.
// Counters: one score per generated sample. Overlay: kernel_bandwidth.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/samplers/neural_common.h"
#include "core/samplers/svgd_kernel.h"

namespace ss {

/// The "About" text of amortized SVGD (registry and docs).
extern const char* const kAmortizedSvgdAbout;

class AmortizedSvgdSampler : public NeuralSamplerBase {
 public:
  explicit AmortizedSvgdSampler(std::shared_ptr<const Target> target);

  /// Knob table: generator knobs (neural_common.h) and `bandwidth` (fixed RBF bandwidth h;
  /// 0 = the median heuristic recomputed on every batch).
  static const ParamTable& table();
  std::string kind() const override { return "amortized_svgd"; }
  const ParamTable& param_table() const override { return table(); }

  void reset(std::uint64_t seed) override;
  void step() override;
  std::vector<std::pair<std::string, double>> statistics() const override;
  void fill_overlay(SamplerOverlay& out) const override;

 private:
  SvgdKernelWorkspace kernel_ws_;
  Points scores_, phi_;
  double loss_ = 0, bandwidth_ = 0;
};

}  // namespace ss
