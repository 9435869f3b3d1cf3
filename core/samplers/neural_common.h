// Shared pieces of the neural implicit samplers (DFT, amortized SVGD, KL-NS): the generator
// g_θ (latent z ~ N(0, I_k) → MLP → a point in the plane), the noised-sampler score network S_φ
// trained by denoising score matching, and the knobs they have in common.
//
// Coordinates: both networks work in coordinates normalized by the target's view box,
// u = (x − c) ⊘ s with c the box centre and s its half-extent per axis, so that the same
// architectures and learning rates suit a donut of radius 2.6 and a wide Rosenbrock. The
// generator's output affine x = c + s ⊙ u is fixed (not learned); the generator starts as
// N(c, (init_spread·s)² I). Its `output_affine` knob can replace (c, diag s) by the target's
// grid-reference mean and covariance factor, its `skip` knob the fixed linear skip (see
// ImplicitGenerator).
//
// Allocation: every buffer is sized at reset() or when the batch size changes; afterwards a
// training step at a fixed batch size allocates nothing.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/common/arrays.h"
#include "core/common/params.h"
#include "core/common/rng.h"
#include "core/common/types.h"
#include "core/nn/mlp.h"
#include "core/nn/optim.h"
#include "core/samplers/dft_gradient.h"
#include "core/samplers/sampler.h"

namespace ss {

/// Activation choices offered by the neural samplers' `activation` knobs (index = knob value).
/// ReLU is deliberately absent: DFT needs the input Jacobian of S_φ, piecewise constant for ReLU.
const std::vector<std::string>& neural_activation_choices();
/// The nn activation for a knob value (index into neural_activation_choices()).
nn::Activation neural_activation(double knob_value);

/// Knob definitions shared by the three neural samplers (generator shape, batch, optimizer,
/// clipping, learning-rate decay, display set); each sampler appends its own.
ParamTable generator_param_defs(double default_lr, int default_batch,
                                int default_lr_decay_iterations = 0,
                                double default_lr_final_fraction = 0.1);
/// Knob definitions of the score network and its DSM training (DFT and KL-NS).
ParamTable score_net_param_defs(double default_sigma, double default_sigma_start,
                                int default_anneal_iterations, int default_score_steps = 1);

/// The noise level at iteration `it` of a schedule: geometric interpolation from sigma_start to
/// sigma over anneal_iterations (constant `sigma` when anneal_iterations ≤ 0 or it ≥ it_end):
///   σ(it) = sigma_start · (sigma / sigma_start)^(it / anneal_iterations).
double annealed_sigma(double sigma, double sigma_start, double anneal_iterations, double it);

/// Parametrization of the generator's linear skip from (z₁, z₂) (the `skip` knob; index = value).
enum class GeneratorSkip {
  kFixed = 0,    ///< A = a·I, not trained (the original generator)
  kLearned = 1,  ///< A a trained 2 × 2 matrix, starting at a·I
  kOff = 2,      ///< no skip; the MLP's last layer is calibrated at build (see build())
};

/// The implicit sampler g_θ: z ~ N(0, I_k) → MLP (k → width^layers → 2) → u, x = c + L u.
class ImplicitGenerator {
 public:
  /// Builds the generator g_θ(z) = c + L (A·(z₁, z₂) + f_θ(z)) with L = diag(s) of the box
  /// (centre c, half-extents s; set_output_affine() replaces c and L), a linear skip A from the
  /// first two latent coordinates (with k = 1 both axes use z₁) and an MLP f_θ whose hidden
  /// layers are He-initialized from `init_rng`.
  ///  - kFixed (default): A = a·I (a = init_spread) and f_θ's last layer starts at zero, so the
  ///    initial sampler is exactly N(c, a² L Lᵀ) — isotropic in u, centred — instead of a random
  ///    MLP's skewed image, which seeds mode collapse (a lopsided start on the donut folds onto
  ///    one arc within 25 steps). f_θ can learn to cancel the skip.
  ///  - kLearned: the same start, and A (4 numbers) is trained with the MLP's parameters.
  ///  - kOff: A = 0; f_θ's last layer (W, b) is drawn He-normal and then whitened on 4096 latent
  ///    draws from `init_rng`: with μ, C the mean and covariance of f_θ(z) over them,
  ///    W ← M W, b ← M (b − μ), M = a C^(−1/2), so that over those draws u has mean 0 and
  ///    covariance a² I exactly (a random MLP's image, but with the first two moments of the
  ///    kFixed start).
  void build(int latent_dim, int width, int layers, nn::Activation activation, const Box& box,
             double init_spread, Rng& init_rng, GeneratorSkip skip = GeneratorSkip::kFixed);
  /// Replaces the output affine by x = c + L u, L lower triangular with a positive diagonal
  /// (e.g. the Cholesky factor of the target's covariance); throws std::invalid_argument
  /// otherwise. Call after build(): kOff's calibration is in u and does not depend on it.
  void set_output_affine(const Vec2& center, const Mat2& lower);

  int latent_dim() const { return latent_dim_; }
  GeneratorSkip skip_mode() const { return skip_mode_; }
  nn::Mlp& net() { return net_; }
  const Vec2& center() const { return center_; }
  /// Diagonal of L (the box's half-extents for the box affine).
  Vec2 scale() const { return {affine_(0, 0), affine_(1, 1)}; }
  const Mat2& affine() const { return affine_; }
  /// The skip matrix A (2 × 2; zero for kOff).
  const Mat2& skip_matrix() const { return skip_; }

  /// Trainable parameters: the MLP's, then (kLearned only) A column-major.
  Eigen::Index num_parameters() const;
  /// (values, gradients) spans of every trainable parameter, for Adam and clipping; valid until
  /// the next build().
  std::span<const nn::ParameterSpan> parameter_spans();
  /// Whether every trainable parameter is finite.
  bool parameters_finite() const;

  /// x = g_θ(z) for each row of z (N × k); caches what backward() needs. x is resized if needed.
  void forward(const nn::RowMatrix& z, Points& x);
  /// Parameter gradient (overwritten in every span's gradients) of Σ_i grad_x[i]·g_θ(z_i) for
  /// the last forward(); grad_x is ∂ℓ/∂x per row (scale by 1/N yourself for a mean loss).
  /// ∂/∂A = Σ_i (Lᵀ grad_x[i]) (z₁, z₂)_iᵀ.
  void backward(const Points& grad_x);
  /// Grows the workspaces to batches of up to n rows.
  void reserve(Eigen::Index n);

 private:
  int latent_dim_ = 0;
  GeneratorSkip skip_mode_ = GeneratorSkip::kFixed;
  Mat2 skip_ = Mat2::Zero();  ///< A; kLearned's values live in skip_values_
  Eigen::Matrix<double, 4, 1> skip_values_ = Eigen::Matrix<double, 4, 1>::Zero();
  Eigen::Matrix<double, 4, 1> skip_grads_ = Eigen::Matrix<double, 4, 1>::Zero();
  std::array<nn::ParameterSpan, 2> spans_{};
  nn::Mlp net_;
  Vec2 center_ = Vec2::Zero();
  Mat2 affine_ = Mat2::Identity();
  nn::RowMatrix grad_u_, z12_;
};

/// The score network S_φ of the noised sampler distribution p_{θ,σ}, in the ε-parametrization of
/// dft.md §3.4: a network ε̂_φ on normalized inputs u = (x − c) ⊘ s, and
///   S_φ(x) = −ε̂_φ(u)/σ,   J_S(x)ᵀ w = −(1/σ) diag(1/s) J_ε̂(u)ᵀ w.
/// Trained by DSM: L(φ) = mean_i ‖ε̂_φ(u(x0_i + σ ε_i)) − ε_i‖² (same minimizer as the plain DSM
/// loss mean ‖S_φ(x_σ) + ε/σ‖², scaled by σ², better conditioned).
class NoisedScoreNetwork : public NoisedScoreModel {
 public:
  /// Builds and initializes the network (He normal) from `init_rng`; inputs normalized by the box
  /// (u = (x − c) ⊘ s).
  void build(int width, int layers, nn::Activation activation, const Box& box, Rng& init_rng);
  /// Replaces the input normalization by u = L⁻¹ (x − c), L lower triangular with a positive
  /// diagonal (e.g. the Cholesky factor of the target's covariance: whitened inputs); then
  /// J_S(x)ᵀ w = −(1/σ) L⁻ᵀ J_ε̂(u)ᵀ w. Throws std::invalid_argument for a bad L.
  void set_input_affine(const Vec2& center, const Mat2& lower);

  nn::Mlp& net() { return net_; }
  /// The σ used by score() and score_vjp() (the current noise level); must be > 0.
  void set_sigma(double sigma) { sigma_ = sigma; }
  double sigma() const { return sigma_; }

  void score(const Points& x, Points& s) override;
  void score_vjp(const Points& w, Points& out) override;

  /// DSM loss mean_i ‖ε̂(u_i) − ε_i‖² at x_sigma = x0 + σ·eps and its parameter gradient
  /// (overwritten in net().gradients()). Returns the loss.
  double dsm_loss_and_gradient(const Points& x_sigma, const Points& eps);
  /// Grows the workspaces to batches of up to n rows.
  void reserve(Eigen::Index n);

 private:
  void normalize(const Points& x);
  nn::Mlp net_;
  Vec2 center_ = Vec2::Zero();
  Mat2 inverse_ = Mat2::Identity();  ///< L⁻¹ (the box: diag(1/s)), u = L⁻¹ (x − c)
  double sigma_ = 0.1;
  nn::RowMatrix u_, grad_;
};

/// State and plumbing common to the three neural samplers: the generator and its Adam, knob
/// reading, the fixed display latent batch, fresh evaluation draws, latent/noise draws from the
/// sampler's Rng, the learned-score overlay and the finiteness checks.
class NeuralSamplerBase : public Sampler {
 public:
  explicit NeuralSamplerBase(std::shared_ptr<const Target> target) : Sampler(std::move(target)) {}

  /// Fresh latent draws from a separate evaluation stream (so how often metrics are computed does
  /// not change the training trajectory), pushed through one generator pass.
  void evaluation_samples(int n, Points& out) override;
  /// The generator applied to the fixed display latent batch (recomputed lazily after a step).
  const Points& display_samples() const override;
  /// Standard deviation of Gaussian noise added to every returned sample (evaluation and display
  /// sets): 0 here; DFT returns its current σ when its `sample_noise` knob is on, so that it
  /// returns x0 + σε, the law its objective fits, instead of x0 = g(z). The display set's noise is
  /// a fixed draw per display latent (stable point identity).
  virtual double output_noise() const { return 0.0; }

  /// Multiplier of every learning rate at the current iteration: geometric decay from 1 to
  /// `lr_final_fraction` over `lr_decay_iterations` (1 when that is 0).
  double learning_rate_factor() const;

 protected:
  /// Builds the generator (and its Adam) from the knobs and the seed; called by reset().
  void reset_generator(std::uint64_t seed);
  /// Sizes the batch buffers to the `batch_size` knob (allocates only when it changed).
  void prepare_batch();
  /// Draws the batch's latents (B × k) and, when `with_noise`, standard-normal noise (B × 2),
  /// serially from rng_.
  void draw_batch(bool with_noise);
  /// As draw_batch(true) but antithetic: rows i and i + B/2 share their latent and have opposite
  /// noise (ε, −ε); an odd last row is drawn independently. Used by the DFT generator step, where
  /// the O(1/σ) noise term 2(H_q − J_S)ᵀt of v nearly cancels within a pair.
  void draw_antithetic_batch();
  /// Standard-normal noise in antithetic pairs: rows i and i + B/2 get ε and −ε (an odd last row
  /// its own draw), serially from rng_. With block > 0 the rows are taken as consecutive blocks of
  /// that many rows (the last one possibly shorter), each paired that way (a DSM batch made of
  /// several generator batches).
  void draw_antithetic_noise(Points& noise, Eigen::Index block = 0);
  /// One optimizer step on the generator from its gradient (already in the network): clipping by
  /// the `grad_clip` knob, then Adam with the `learning_rate` knob. Returns false (and marks the
  /// run diverged) when the gradient is not finite.
  bool generator_update();
  /// Marks the run diverged and returns false if any generator parameter is not finite.
  bool check_generator_finite();
  /// Marks the display set stale (call after every parameter change).
  void invalidate_display() { display_stale_ = true; }
  /// After a generator update (generator_update() calls it): with the `ema` knob β > 0, the
  /// moving average of the generator's weights θ̄ ← β_t θ̄ + (1 − β_t) θ, β_t = min(β, (1 + n) /
  /// (10 + n)) after n updates (the usual warm-up, so that early averages do not hold the initial
  /// weights for ~1/(1 − β) steps); the first update (n = 0, or the knob just switched on) sets
  /// θ̄ = θ. With β = 0 the average is dropped.
  void update_ema();
  /// The generator whose samples are returned (evaluation and display): the trained one, or with
  /// `ema` on (and at least one update) a copy holding the averaged weights θ̄.
  ImplicitGenerator& output_generator() const;
  /// The target's grid-reference mean and the Cholesky factor of its covariance, for the
  /// `output_affine` and `score_affine` knobs: computed once per target (a 256² grid reference)
  /// and shared by the generator and the score network, so a reset for a new seed costs no grid.
  /// False when the reference cannot be computed or its covariance is not positive definite (the
  /// caller keeps the box).
  bool reference_affine(Vec2& mean, Mat2& lower);

  /// mutable: display_samples() (const) runs a forward pass. Safe because every training pass
  /// starts with its own forward() and nothing runs between a step's forward and backward.
  mutable ImplicitGenerator generator_;
  nn::Adam generator_adam_;
  nn::RowMatrix latent_;  ///< B × k latent batch
  Points noise_;          ///< B × 2 noise batch
  Points x0_;             ///< B × 2 generator outputs
  Points grad_x_;         ///< B × 2 output gradients
  Rng init_rng_, eval_rng_;
  double last_grad_norm_ = 0;  ///< pre-clip generator gradient norm of the last step

 private:
  nn::RowMatrix display_latent_, eval_latent_;
  Points display_noise_, eval_noise_;
  mutable Points display_points_;
  mutable bool display_stale_ = true;
  Vec ema_values_;  ///< θ̄, all trainable parameters in parameter_spans() order (empty: off)
  std::int64_t ema_updates_ = 0;
  mutable ImplicitGenerator ema_generator_;  ///< the generator's copy that holds θ̄ for output
  mutable bool ema_stale_ = true;
  /// reference_affine()'s cache: the target it was computed for (weak, so a later target at the
  /// same address is not taken for it), whether it exists, and its value.
  std::weak_ptr<const Target> affine_target_;
  bool affine_ok_ = false;
  Vec2 affine_mean_ = Vec2::Zero();
  Mat2 affine_lower_ = Mat2::Identity();
};

/// NeuralSamplerBase plus the noised-sampler score network S_φ and its DSM training (DFT, KL-NS):
/// warm-up on the initial generator, K_φ steps per iteration, the σ schedule, the score overlay.
class ScoreNetSamplerBase : public NeuralSamplerBase {
 public:
  using NeuralSamplerBase::NeuralSamplerBase;
  /// S_φ at a 15 × 15 grid of arrow origins over the view box.
  void fill_overlay(SamplerOverlay& out) const override;
  /// The noise level of the current iteration (annealing schedule of the sigma knobs; a `sigma`
  /// knob of 0 means derived_sigma(), a `sigma_start` of 0 means "no annealing").
  double current_sigma() const;
  /// The α-quantile width w_α of the target (dft_noise.h), computed at reset() and on
  /// set_target(); σ_auto = kSigmaWidthFraction · w_α (clamped to the knob's range).
  double target_width() const { return target_width_; }
  double auto_sigma() const { return auto_sigma_; }
  /// Recomputes the target width for the new target (a mixture mode dragged, ...).
  void set_target(std::shared_ptr<const Target> target) override;

 protected:
  /// Builds S_φ and its Adam from the knobs (call after reset_generator()); computes the target
  /// width (once per target).
  void reset_score_net();
  /// Whether S_φ is residual, S = s_q + Δ_φ (the `residual` knob; off for samplers without it):
  /// its DSM regression target is then ε + σ s_q(x_σ) (dsm_step evaluates target scores).
  bool residual_score() const;
  /// The score-network phase of one training iteration, sharing its generator pass with the
  /// generator step that follows:
  ///   1. first call after reset only: `warmup_steps` DSM steps, each on a fresh generator batch
  ///      (interruptible between them, Sampler::step: an interrupted warm-up keeps the DSM steps
  ///      taken and is redone in full at the next step);
  ///   2. draws the iteration's generator batch (latent_ and noise_; antithetic pairs when
  ///      `antithetic_batch`) and runs the generator forward on it (x0_, cached for the caller's
  ///      generator_.backward()); x0_ joins a ring of the last `score_steps` such batches;
  ///   3. `score_steps` DSM steps at noise level sigma, step j on the ring's j-th newest batch
  ///      (cycling while fewer are stored) with fresh noise (antithetic ±ε within a pair of rows
  ///      when the `antithetic` knob is on). With `score_batches` m > 1 the ring keeps
  ///      max(score_steps, m) batches and step j trains on the batches of ages j … j + m − 1
  ///      together (m × batch_size rows, each generator batch's rows paired as above).
  /// So an iteration costs one generator forward instead of one per DSM step plus one; the DSM
  /// batches come from the last score_steps generators (≤ score_steps − 1 updates old, each seen
  /// score_steps times with different noise) instead of score_steps fresh passes of the current
  /// one. Returns false (run marked diverged) on a non-finite loss, gradient or parameter.
  bool score_phase(double sigma, bool antithetic_batch);
  /// One DSM step on a fresh generator batch (latents and noise from rng_; warm-up).
  bool dsm_step_fresh(double sigma);
  /// One DSM step on generator outputs x0 (detached) with fresh noise drawn into dsm_noise_
  /// (antithetic pairs within each block of `block` rows; 0 = all rows one block).
  bool dsm_step(double sigma, const Points& x0, Eigen::Index block = 0);

  mutable NoisedScoreNetwork score_net_;  ///< mutable: fill_overlay runs a forward pass
  nn::Adam score_adam_;
  Points x_sigma_;                  ///< B × 2 noised generator outputs
  Points dsm_target_, dsm_scores_;  ///< residual DSM: regression targets ε + σ s_q, scores s_q
  Points dsm_noise_;                ///< B × 2 noise of the current DSM step
  Points dsm_x_sigma_;              ///< the current DSM step's noised points x0 + σε
  std::vector<Points> x0_ring_;     ///< the last generator batches (score_phase)
  Points dsm_x0_;                   ///< score_batches > 1: the DSM step's batches, stacked
  int ring_next_ = 0, ring_filled_ = 0;
  bool warmed_up_ = false;
  double dsm_loss_ = 0, sigma_now_ = 0;

 private:
  void update_target_width();
  const Target* width_target_ = nullptr;  ///< the target target_width_ was computed for
  double target_width_ = 0, auto_sigma_ = 0;
};

/// Fills `out` with the learned score S_φ at a 15 × 15 grid of arrow origins over the view box
/// (for the UI to draw next to the true score).
void fill_score_overlay(NoisedScoreNetwork& net, const Box& box, SamplerOverlay& out);

}  // namespace ss
