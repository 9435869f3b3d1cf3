// SVGD: Stein variational gradient descent (Liu & Wang 2016), exactly the official algorithm
// (reference note svgd.md §1.1–1.3): n particles move together along the kernelized Stein
// direction φ (svgd_kernel.h: RBF kernel, median heuristic h² = 0.5·median(D)/ln(n+1) over the full
// n×n multiset, or a fixed bandwidth), one fused n² pass per iteration.
//
// One iteration (step()) = one score evaluation per particle, one SVGD direction, one update:
//   adagrad_norm (default): the official rule below with one average per particle of ‖φ_i‖²:
//     G_i ← ‖φ_i‖² on the first step, G_i ← αG_i + (1−α)‖φ_i‖² afterwards,
//     x_i ← x_i + ε φ_i / (1e-6 + √G_i)   (a particle moves along φ_i, about ε per step: the
//                                          update commutes with rotations of the plane);
//   adagrad_momentum (the official "AdaGrad with momentum", really RMSProp-like; not the
//     default because it is not rotation-invariant: on a ring it draws axis-aligned streaks
//     where the ring is tangent to an axis, docs/methods.md):
//     G ← φ⊙φ on a particle's first step, G ← αG + (1−α)φ⊙φ afterwards (α = `momentum` = 0.9),
//     x ← x + ε φ / (1e-6 + √G)    (elementwise; no bias correction, so the first step moves each
//                                   coordinate by about ε·sign(φ));
//   plain: x ← x + ε φ.
//
// Particle count (`particles`) may change while running: at the next step() the first
// min(old, new) particles are kept with their AdaGrad state, new ones are drawn from the initial
// distribution (from the sampler's Rng, so the trajectory stays a function of seed and the step at
// which the change happened) with fresh AdaGrad state (their first update uses the first-step
// rule).
//
// Divergence: a non-finite score, direction or position marks the run diverged and names which.
// Statistics: bandwidth (h), step_size (ε), mean_phi (mean ‖φ_i‖).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/samplers/initialization.h"
#include "core/samplers/sampler.h"
#include "core/samplers/svgd_kernel.h"

namespace ss {

/// The "About" text of SVGD (registry and docs).
extern const char* const kSvgdAbout;

class SvgdSampler final : public Sampler {
 public:
  explicit SvgdSampler(std::shared_ptr<const Target> target);

  /// Knobs: particles, step_size, optimizer, momentum, bandwidth, fixed_h, init, init_scale,
  /// init_x, init_y, init_mode.
  static const ParamTable& table();
  std::string kind() const override { return "svgd"; }
  const ParamTable& param_table() const override { return table(); }

  void reset(std::uint64_t seed) override;
  void step() override;
  /// Current particles (all when n ≥ count, else n evenly strided ones: indices ⌊k·count/n⌋).
  void evaluation_samples(int n, Points& out) override;
  const Points& display_samples() const override { return x_; }
  std::vector<std::pair<std::string, double>> statistics() const override;
  void fill_overlay(SamplerOverlay& out) const override;

  /// Current squared bandwidth h² of the last step (0 before the first).
  double bandwidth2() const { return h2_; }
  /// Particles, for tests.
  const Points& particles() const { return x_; }

 private:
  void resize_particles(Eigen::Index n);

  Points x_, score_, phi_;
  Eigen::ArrayXXd history_;           // AdaGrad G, n×2
  std::vector<unsigned char> fresh_;  // 1 until a particle's first AdaGrad update
  SvgdKernelWorkspace ws_;
  double h2_ = 0, mean_phi_ = 0;
};

}  // namespace ss
