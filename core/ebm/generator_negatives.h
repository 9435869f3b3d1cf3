// Generator negatives (issue 15): a neural implicit sampler x = g_θ(z), z ~ N(0, I_k), trained
// toward the CURRENT energy model and drawn from afresh at every EBM step — no chains.
//
//   steingan  SteinGAN / amortized SVGD (svgd.md §2, Wang & Liu 2016): the generator follows the
//             SVGD direction of the current EBM's score on its own batch (AmortizedSvgdSampler).
//   dft_ebm   the same generator trained by Denoising Fisher Training (dft.md §3,
//             DenoisingFisherSampler): a score network of the noised generator law by denoising
//             score matching, and the generator gradient built from the EBM's score and Hessian.
//
// Both hold the existing sampler of core/samplers over LiveEbmTarget, a Target whose log density
// is the live EBM's −E_θ and whose score is −∇E_θ, batched through the EnergyView of the draw in
// progress (valid only inside draw(); outside it the target throws std::logic_error). Hessian
// (DFT only): central differences of the batched score,
//   H[:, j] ≈ (s(x + δ e_j) − s(x − δ e_j)) / (2δ),  h12 = ½(H₁₂ + H₂₁),
// with δ = `hessian_step` × the box's half-extent on axis j: 4 extra score evaluations per point.
// The energy network is piecewise linear (LeakyReLU), so its exact Hessian is 0 between kinks and
// a δ-function on them (plus the tilt's constant, when tilted); the central difference at step δ
// is the Hessian of the score averaged over ±δ, which sees the kinks within δ of the point — the
// smoothed curvature DFT's noised objective needs. (Tested against the exact Hessian of a smooth
// target through the same code path: tests/ebm/generator_negatives_test.cpp.)
//
// One draw(ebm, batch): `generator_steps` steps of the inner sampler against the EBM (its own
// generator batch `batch_size`; one score per sample for SteinGAN, and for DFT one score + FD
// Hessian per sample and its score-network steps), then the negatives: a fresh generator draw of
// `batch` points from the inner sampler's evaluation stream (DFT adds its σ-noise when its
// `sample_noise` knob is on: the law its objective fits).
// evaluation_samples(n) and display_samples() are the inner sampler's fixed display batch (its
// first n rows), so metric passes do not consume the negatives' random stream.
// Interruption (NegativeSampler::set_interrupt): passed on to the inner sampler (DFT's warm-up) and
// checked before each of the `generator_steps` steps; an interrupted draw keeps the inner steps
// completed (Sampler::step's rule for the one interrupted).
// Statistics: the inner sampler's, prefixed "generator_" (generator_loss, …). failure(): the inner
// sampler's divergence reason, or non-finite negatives.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/ebm/trainer.h"
#include "core/samplers/neural_common.h"
#include "core/targets/target.h"

namespace ss {

extern const char* const kSteinGanAbout;
extern const char* const kDftEbmAbout;

/// The live EBM as a Target (file header). bind() before evaluating, unbind() after.
class LiveEbmTarget final : public Target {
 public:
  LiveEbmTarget(const Box& box, double hessian_step) : box_(box), hessian_step_(hessian_step) {}
  std::string kind() const override { return "ebm"; }
  std::string display_name() const override { return "energy model"; }
  Box view_box() const override { return box_; }
  TargetSpec spec() const override { return TargetSpec{"ebm", {}, {}, "", box_}; }
  double log_density_at(double x, double y) const override;
  Jet jet_at(double x, double y) const override;

  /// Evaluates through `fn` (x, log density or null, score or null) until unbind().
  using Evaluator = std::function<void(const Points&, Vec*, Points*)>;
  void bind(Evaluator fn) const { fn_ = std::move(fn); }
  void unbind() const { fn_ = nullptr; }

 protected:
  bool evaluate_batch(const Points& x, Vec* log_density, Points* score,
                      Hessians* hessian) const override;

 private:
  Box box_;
  double hessian_step_;
  mutable Evaluator fn_;
  mutable Points shifted_, s_plus_, s_minus_;
};

class GeneratorNegatives final : public NegativeSampler {
 public:
  enum class Kind { steingan, dft };
  explicit GeneratorNegatives(Kind kind) : kind_(kind) {}
  /// steingan: the amortized-SVGD generator knobs (learning_rate 1e-3, batch_size 64, no
  /// learning-rate decay) + generator_steps. dft: DFT's knobs (batch_size 64, no decay) +
  /// generator_steps + hessian_step.
  static const ParamTable& table(Kind kind);

  void reset(const EbmProblem& problem, const ParamValues& params, std::uint64_t seed) override;
  void draw(EnergyView& ebm, int batch, Points& out, EvalCounters& counters) override;
  const Points& display_samples() const override;
  void evaluation_samples(int n, Points& out) override;
  std::vector<std::pair<std::string, double>> statistics() const override;
  void fill_overlay(SamplerOverlay& out) const override;
  std::string failure() const override { return failure_; }
  /// Live knobs: generator_steps, and the inner sampler's knobs without needs_reset (learning
  /// rates, …), from the next draw; the needs_reset ones (sizes, hessian_step) keep the values of
  /// reset.
  void set_params(const ParamValues& params) override;
  void set_interrupt(const Interrupt* interrupt) override;

  NeuralSamplerBase& inner() { return *inner_; }

 private:
  Kind kind_;
  std::shared_ptr<LiveEbmTarget> target_;
  std::unique_ptr<NeuralSamplerBase> inner_;
  std::string failure_;
  int generator_steps_ = 1;
};

}  // namespace ss
