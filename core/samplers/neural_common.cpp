#include "core/samplers/neural_common.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "core/common/grid.h"
#include "core/samplers/dft_noise.h"
#include "core/targets/grid_reference.h"

namespace ss {

const std::vector<std::string>& neural_activation_choices() {
  static const std::vector<std::string> choices = {"silu", "tanh", "softplus", "leaky_relu",
                                                   "tanh_silu"};
  return choices;
}

nn::Activation neural_activation(double knob_value) {
  switch (static_cast<int>(knob_value)) {
    case 0:
      return nn::Activation::kSiLU;
    case 1:
      return nn::Activation::kTanh;
    case 2:
      return nn::Activation::kSoftplus;
    case 3:
      return nn::Activation::kLeakyReLU;
    case 4:
      return nn::Activation::kTanhSiLU;
    default:
      throw ParamError("activation", "unknown activation index");
  }
}

ParamTable generator_param_defs(double default_lr, int default_batch,
                                int default_lr_decay_iterations, double default_lr_final_fraction) {
  const auto& acts = neural_activation_choices();
  return {
      {"latent_dim",
       4,
       1,
       16,
       "dimension k of the generator's latent z ~ N(0, I_k)",
       true,
       {},
       false,
       true},
      {"hidden_width",
       128,
       4,
       512,
       "units per hidden layer of the generator",
       true,
       {},
       false,
       true},
      {"hidden_layers", 2, 1, 4, "hidden layers of the generator", true, {}, false, true},
      {"activation", 0, 0, 0, "hidden-layer nonlinearity of the generator", false, acts, false,
       true},
      {"init_spread",
       0.5,
       0.02,
       2.0,
       "initial sample spread (std) as a fraction of the view box's half-size",
       false,
       {},
       false,
       true},
      {"skip",
       0,
       0,
       0,
       "generator's linear skip from (z1, z2): fixed a*I (a = init_spread), a learned 2x2 "
       "matrix starting at a*I, or off (the MLP's last layer is calibrated instead so that the "
       "initial samples have mean c and covariance a^2 L L^T)",
       false,
       {"fixed", "learned", "off"},
       false,
       true},
      {"output_affine",
       0,
       0,
       0,
       "generator's output affine x = c + L u: the view box (centre, half-extents) or the "
       "target's grid-reference mean and Cholesky factor of its covariance",
       false,
       {"box", "reference"},
       false,
       true},
      {"batch_size", double(default_batch), 16, 4096, "generated samples per generator step", true},
      {"learning_rate",
       default_lr,
       1e-6,
       0.1,
       "Adam learning rate of the generator",
       false,
       {},
       true},
      {"lr_decay_iterations", double(default_lr_decay_iterations), 0, 1e6,
       "iterations over which every learning rate decays geometrically to lr_final_fraction of "
       "its value (0 = constant learning rates)",
       true},
      {"lr_final_fraction",
       default_lr_final_fraction,
       1e-3,
       1.0,
       "learning-rate multiplier reached after lr_decay_iterations (and kept afterwards)",
       false,
       {},
       true},
      {"grad_clip",
       10.0,
       0.0,
       1e8,
       "global-norm clip of each network's gradient per step (0 = no clipping)",
       false,
       {},
       true},
      {"ema",
       0.0,
       0.0,
       0.9999,
       "decay beta of an exponential moving average of the generator's weights, used for the "
       "returned samples (evaluation and canvas; training is unchanged); 0 = off",
       false,
       {},
       false},
      {"display_samples",
       1000,
       10,
       20000,
       "points drawn on the canvas (a fixed latent batch)",
       true,
       {},
       false,
       true},
  };
}

ParamTable score_net_param_defs(double default_sigma, double default_sigma_start,
                                int default_anneal_iterations, int default_score_steps) {
  const auto& acts = neural_activation_choices();
  return {
      {"score_width",
       128,
       4,
       512,
       "units per hidden layer of the score network",
       true,
       {},
       false,
       true},
      {"score_layers", 2, 1, 4, "hidden layers of the score network", true, {}, false, true},
      {"score_activation", 0, 0, 0, "hidden-layer nonlinearity of the score network", false, acts,
       false, true},
      {"score_affine",
       0,
       0,
       0,
       "score network's input normalization: the view box (centre, half-extents) or whitening "
       "by the target's grid-reference mean and Cholesky factor of its covariance",
       false,
       {"box", "reference"},
       false,
       true},
      {"score_learning_rate",
       1e-3,
       1e-6,
       0.1,
       "Adam learning rate of the score network",
       false,
       {},
       true},
      {"score_steps", double(default_score_steps), 1, 50,
       "denoising score matching steps per generator step (K_phi)", true},
      {"score_batches", 1, 1, 16,
       "generator batches in each denoising score matching step (the newest ones, fresh noise): "
       "the DSM batch is this x batch_size",
       true},
      {"warmup_steps", 200, 0, 20000,
       "score-network steps on the initial generator before its first update", true},
      {"sigma",
       default_sigma,
       0.0,
       2.0,
       "noise level sigma (the final one when annealing); 0 = auto: half the target's narrow "
       "width where its mass is (statistic sigma_auto); keep it below that width",
       false,
       {},
       true},
      {"sigma_start",
       default_sigma_start,
       1e-3,
       5.0,
       "noise level at iteration 0 when annealing (ignored when anneal_iterations = 0)",
       false,
       {},
       true},
      {"anneal_iterations", double(default_anneal_iterations), 0, 1e6,
       "iterations of geometric annealing from sigma_start to sigma (0 = constant sigma)", true},
      {"antithetic",
       1,
       0,
       0,
       "draw noise in antithetic pairs (same z, noise +eps and -eps) for the score network's "
       "denoising batches and the generator batch: cancels the O(1/sigma) noise of both gradients",
       false,
       {"off", "on"}},
  };
}

double annealed_sigma(double sigma, double sigma_start, double anneal_iterations, double it) {
  if (anneal_iterations <= 0 || it >= anneal_iterations) return sigma;
  const double f = std::max(0.0, it) / anneal_iterations;
  return sigma_start * std::pow(sigma / sigma_start, f);
}

namespace {

std::vector<int> widths_of(int in, int width, int layers, int out) {
  std::vector<int> w;
  w.push_back(in);
  for (int l = 0; l < layers; ++l) w.push_back(width);
  w.push_back(out);
  return w;
}

void box_affine(const Box& box, Vec2& center, Vec2& scale) {
  center = {0.5 * (box.xmin + box.xmax), 0.5 * (box.ymin + box.ymax)};
  scale = {std::max(1e-9, 0.5 * box.width()), std::max(1e-9, 0.5 * box.height())};
}

// An affine map x = c + L u must have a finite centre and a finite lower-triangular L with a
// positive diagonal (invertible); `who` names the caller in the message.
void check_affine(const Vec2& center, const Mat2& lower, const char* who) {
  if (!center.allFinite() || !lower.allFinite() || lower(0, 1) != 0.0 || !(lower(0, 0) > 0) ||
      !(lower(1, 1) > 0))
    throw std::invalid_argument(std::string(who) +
                                ": L must be finite, lower triangular, with a positive diagonal");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ImplicitGenerator

void ImplicitGenerator::build(int latent_dim, int width, int layers, nn::Activation activation,
                              const Box& box, double init_spread, Rng& init_rng,
                              GeneratorSkip skip) {
  latent_dim_ = latent_dim;
  skip_mode_ = skip;
  net_ = nn::Mlp(widths_of(latent_dim, width, layers, 2), activation);
  nn::InitOptions init;
  // kFixed/kLearned: g starts as the skip alone, exactly N(c, (init_spread)² L Lᵀ).
  init.last_layer_scale = skip == GeneratorSkip::kOff ? 1.0 : 0.0;
  net_.initialize(init_rng, init);
  skip_ = skip == GeneratorSkip::kOff ? Mat2::Zero() : Mat2(init_spread * Mat2::Identity());
  skip_values_ = skip_.reshaped();
  skip_grads_.setZero();
  if (skip == GeneratorSkip::kOff) {
    // Whiten the last layer on a latent batch: u = M (f − μ) has mean 0, covariance a² I.
    const Eigen::Index n = 4096;
    nn::RowMatrix z(n, latent_dim);
    init_rng.fill_normal(z);
    const auto f = net_.forward(z);
    Vec2 mu = Vec2::Zero();
    Mat2 cov = Mat2::Zero();
    for (Eigen::Index i = 0; i < n; ++i) mu += f.row(i).transpose();
    mu /= static_cast<double>(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const Vec2 d = f.row(i).transpose() - mu;
      cov += d * d.transpose();
    }
    cov /= static_cast<double>(n);
    Eigen::SelfAdjointEigenSolver<Mat2> eig(cov);
    const Vec2 ev = eig.eigenvalues().cwiseMax(1e-300);
    const Mat2 inv_sqrt = eig.eigenvectors() * ev.cwiseSqrt().cwiseInverse().asDiagonal() *
                          eig.eigenvectors().transpose();
    const Mat2 m = init_spread * inv_sqrt;
    const int last = net_.num_layers() - 1;
    const Eigen::MatrixXd w = m * net_.weight(last);
    net_.weight(last) = w;
    const Vec2 bias = m * (Vec2(net_.bias(last)) - mu);
    net_.bias(last) = bias;
  }
  Vec2 c, s;
  box_affine(box, c, s);
  center_ = c;
  affine_ = s.asDiagonal();
}

void ImplicitGenerator::set_output_affine(const Vec2& center, const Mat2& lower) {
  check_affine(center, lower, "ImplicitGenerator::set_output_affine");
  center_ = center;
  affine_ = lower;
}

Eigen::Index ImplicitGenerator::num_parameters() const {
  return net_.num_parameters() + (skip_mode_ == GeneratorSkip::kLearned ? 4 : 0);
}

std::span<const nn::ParameterSpan> ImplicitGenerator::parameter_spans() {
  spans_[0] = net_.parameter_span();
  spans_[1] = {skip_values_.data(), skip_grads_.data(), 4};
  return {spans_.data(), skip_mode_ == GeneratorSkip::kLearned ? size_t{2} : size_t{1}};
}

bool ImplicitGenerator::parameters_finite() const {
  return all_finite(net_.parameters()) && skip_values_.allFinite();
}

void ImplicitGenerator::reserve(Eigen::Index n) {
  net_.reserve(n);
  if (grad_u_.rows() < n) grad_u_.resize(n, 2);
  if (z12_.rows() < n) z12_.resize(n, 2);
}

void ImplicitGenerator::forward(const nn::RowMatrix& z, Points& x) {
  auto u = net_.forward(z);
  const Eigen::Index n = z.rows();
  const Eigen::Index second = z.cols() > 1 ? 1 : 0;  // k = 1: both axes skip from z_1
  if (skip_mode_ == GeneratorSkip::kLearned) skip_ = skip_values_.reshaped(2, 2);
  if (x.rows() != n) x.resize(n, 2);
  if (z12_.rows() != n) z12_.resize(n, 2);
  const double l00 = affine_(0, 0), l10 = affine_(1, 0), l11 = affine_(1, 1);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double z1 = z(i, 0), z2 = z(i, second);
    z12_(i, 0) = z1;
    z12_(i, 1) = z2;
    const double v0 = u(i, 0) + skip_(0, 0) * z1 + skip_(0, 1) * z2;
    const double v1 = u(i, 1) + skip_(1, 0) * z1 + skip_(1, 1) * z2;
    x(i, 0) = center_[0] + l00 * v0;
    x(i, 1) = center_[1] + l10 * v0 + l11 * v1;
  }
}

void ImplicitGenerator::backward(const Points& grad_x) {
  const Eigen::Index n = grad_x.rows();
  if (grad_u_.rows() != n) grad_u_.resize(n, 2);
  // ∂ℓ/∂u = Lᵀ ∂ℓ/∂x.
  const double l00 = affine_(0, 0), l10 = affine_(1, 0), l11 = affine_(1, 1);
  for (Eigen::Index i = 0; i < n; ++i) {
    grad_u_(i, 0) = l00 * grad_x(i, 0) + l10 * grad_x(i, 1);
    grad_u_(i, 1) = l11 * grad_x(i, 1);
  }
  net_.backward(grad_u_);
  if (skip_mode_ == GeneratorSkip::kLearned) {
    // ∂ℓ/∂A_{rc} = Σ_i grad_u(i, r) z12(i, c); stored column-major like skip_values_.
    Mat2 g = Mat2::Zero();
    for (Eigen::Index i = 0; i < n; ++i)
      for (int r = 0; r < 2; ++r)
        for (int c = 0; c < 2; ++c) g(r, c) += grad_u_(i, r) * z12_(i, c);
    skip_grads_ = g.reshaped();
  }
}

// ---------------------------------------------------------------------------------------------
// NoisedScoreNetwork

void NoisedScoreNetwork::build(int width, int layers, nn::Activation activation, const Box& box,
                               Rng& init_rng) {
  net_ = nn::Mlp(widths_of(2, width, layers, 2), activation);
  net_.initialize(init_rng);
  Vec2 scale;
  box_affine(box, center_, scale);
  inverse_ = scale.cwiseInverse().asDiagonal();
}

void NoisedScoreNetwork::set_input_affine(const Vec2& center, const Mat2& lower) {
  check_affine(center, lower, "NoisedScoreNetwork::set_input_affine");
  center_ = center;
  // L⁻¹ of [[a, 0], [b, d]] = [[1/a, 0], [−b/(a d), 1/d]].
  const double a = lower(0, 0), b = lower(1, 0), d = lower(1, 1);
  inverse_ << 1.0 / a, 0.0, -b / (a * d), 1.0 / d;
}

void NoisedScoreNetwork::reserve(Eigen::Index n) {
  net_.reserve(n);
  if (u_.rows() < n) u_.resize(n, 2);
  if (grad_.rows() < n) grad_.resize(n, 2);
}

void NoisedScoreNetwork::normalize(const Points& x) {
  const Eigen::Index n = x.rows();
  if (u_.rows() != n) u_.resize(n, 2);
  const double m00 = inverse_(0, 0), m10 = inverse_(1, 0), m11 = inverse_(1, 1);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double d0 = x(i, 0) - center_[0], d1 = x(i, 1) - center_[1];
    u_(i, 0) = m00 * d0;
    u_(i, 1) = m10 * d0 + m11 * d1;
  }
}

void NoisedScoreNetwork::score(const Points& x, Points& s) {
  normalize(x);
  auto e = net_.forward(u_);
  const Eigen::Index n = x.rows();
  if (s.rows() != n) s.resize(n, 2);
  const double inv = -1.0 / sigma_;
  for (Eigen::Index i = 0; i < n; ++i) {
    s(i, 0) = inv * e(i, 0);
    s(i, 1) = inv * e(i, 1);
  }
}

void NoisedScoreNetwork::score_vjp(const Points& w, Points& out) {
  auto g = net_.input_vjp(w);
  const Eigen::Index n = w.rows();
  if (out.rows() != n) out.resize(n, 2);
  // J_xᵀ = (L⁻¹)ᵀ J_uᵀ: out = −(1/σ) L⁻ᵀ g.
  const double inv = -1.0 / sigma_;
  const double m00 = inverse_(0, 0), m10 = inverse_(1, 0), m11 = inverse_(1, 1);
  for (Eigen::Index i = 0; i < n; ++i) {
    out(i, 0) = inv * (m00 * g(i, 0) + m10 * g(i, 1));
    out(i, 1) = inv * m11 * g(i, 1);
  }
}

double NoisedScoreNetwork::dsm_loss_and_gradient(const Points& x_sigma, const Points& eps) {
  normalize(x_sigma);
  auto e = net_.forward(u_);
  const Eigen::Index n = x_sigma.rows();
  if (grad_.rows() != n) grad_.resize(n, 2);
  double loss = 0;
  const double scale = 2.0 / static_cast<double>(std::max<Eigen::Index>(n, 1));
  for (Eigen::Index i = 0; i < n; ++i) {
    const double r0 = e(i, 0) - eps(i, 0), r1 = e(i, 1) - eps(i, 1);
    loss += r0 * r0 + r1 * r1;
    grad_(i, 0) = scale * r0;
    grad_(i, 1) = scale * r1;
  }
  net_.backward(grad_);
  return n > 0 ? loss / static_cast<double>(n) : 0.0;
}

void fill_score_overlay(NoisedScoreNetwork& net, const Box& box, SamplerOverlay& out) {
  Points origins = grid_cell_centres(box, 15);
  Points vectors;
  net.score(origins, vectors);
  out.arrow_origins = std::move(origins);
  out.arrow_vectors = std::move(vectors);
}

// ---------------------------------------------------------------------------------------------
// NeuralSamplerBase

void NeuralSamplerBase::reset_generator(std::uint64_t seed) {
  rng_.seed(seed);
  init_rng_.seed(derive_seed(seed, 1));
  eval_rng_.seed(derive_seed(seed, 2));
  generator_.build(static_cast<int>(param("latent_dim")), static_cast<int>(param("hidden_width")),
                   static_cast<int>(param("hidden_layers")), neural_activation(param("activation")),
                   target().view_box(), param("init_spread"), init_rng_,
                   static_cast<GeneratorSkip>(static_cast<int>(param("skip"))));
  Vec2 mean;
  Mat2 lower;
  if (param("output_affine") > 0 && reference_affine(mean, lower))
    generator_.set_output_affine(mean, lower);
  nn::AdamOptions o;
  o.learning_rate = param("learning_rate");
  generator_adam_ = nn::Adam(generator_.num_parameters(), o);
  Rng display_rng(derive_seed(seed, 3));
  display_latent_.resize(static_cast<Eigen::Index>(param("display_samples")),
                         generator_.latent_dim());
  display_rng.fill_normal(display_latent_);
  display_noise_.resize(display_latent_.rows(), 2);
  display_rng.fill_normal(display_noise_);
  latent_.resize(0, generator_.latent_dim());
  last_grad_norm_ = 0;
  display_stale_ = true;
  ema_values_.resize(0);
  ema_updates_ = 0;
  ema_generator_ = generator_;
  prepare_batch();
}

void NeuralSamplerBase::prepare_batch() {
  const Eigen::Index b = static_cast<Eigen::Index>(param("batch_size"));
  if (latent_.rows() == b && latent_.cols() == generator_.latent_dim()) return;
  latent_.resize(b, generator_.latent_dim());
  noise_.resize(b, 2);
  x0_.resize(b, 2);
  grad_x_.resize(b, 2);
  generator_.reserve(std::max<Eigen::Index>(b, display_latent_.rows()));
}

void NeuralSamplerBase::draw_batch(bool with_noise) {
  rng_.fill_normal(latent_);
  if (with_noise) rng_.fill_normal(noise_);
}

void NeuralSamplerBase::draw_antithetic_noise(Points& noise, Eigen::Index block) {
  const Eigen::Index rows = noise.rows();
  if (block <= 0 || block > rows) block = rows;
  for (Eigen::Index start = 0; start < rows; start += block) {
    const Eigen::Index b = std::min(block, rows - start), half = b / 2;
    for (Eigen::Index i = start; i < start + half; ++i) {
      noise(i, 0) = rng_.normal();
      noise(i, 1) = rng_.normal();
      noise.row(half + i) = -noise.row(i);
    }
    if (b % 2 == 1) {
      noise(start + b - 1, 0) = rng_.normal();
      noise(start + b - 1, 1) = rng_.normal();
    }
  }
}

void NeuralSamplerBase::draw_antithetic_batch() {
  const Eigen::Index b = latent_.rows(), half = b / 2, k = latent_.cols();
  // Serial draws in a fixed order: first-half latents, the odd row's latent if any, then noise.
  for (Eigen::Index i = 0; i < half; ++i) {
    for (Eigen::Index j = 0; j < k; ++j) latent_(i, j) = rng_.normal();
    latent_.row(half + i) = latent_.row(i);
  }
  if (b % 2 == 1)
    for (Eigen::Index j = 0; j < k; ++j) latent_(b - 1, j) = rng_.normal();
  draw_antithetic_noise(noise_);
}

bool NeuralSamplerBase::generator_update() {
  generator_adam_.set_learning_rate(param("learning_rate") * learning_rate_factor());
  last_grad_norm_ =
      nn::clip_and_step(generator_adam_, generator_.parameter_spans(), param("grad_clip"));
  if (!std::isfinite(last_grad_norm_)) {
    mark_diverged("generator gradient became non-finite");
    return false;
  }
  display_stale_ = true;
  if (!check_generator_finite()) return false;
  update_ema();
  return true;
}

void NeuralSamplerBase::update_ema() {
  const double beta = param("ema");
  if (!(beta > 0)) {
    ema_values_.resize(0);
    ema_updates_ = 0;
    return;
  }
  const auto spans = generator_.parameter_spans();
  const Eigen::Index n = nn::total_size(spans);
  // The first update after switching on (or after reset) starts the average at the weights.
  const bool start = ema_updates_ == 0 || ema_values_.size() != n;
  if (start) ema_values_.resize(n);
  const double b =
      start ? 0.0 : std::min(beta, (1.0 + double(ema_updates_)) / (10.0 + double(ema_updates_)));
  Eigen::Index off = 0;
  for (const auto& sp : spans) {
    const Eigen::Map<const Vec> theta(sp.values, sp.size);
    ema_values_.segment(off, sp.size) = b * ema_values_.segment(off, sp.size) + (1.0 - b) * theta;
    off += sp.size;
  }
  ++ema_updates_;
  ema_stale_ = true;
}

ImplicitGenerator& NeuralSamplerBase::output_generator() const {
  if (ema_updates_ == 0 || !(param("ema") > 0)) return generator_;
  if (ema_stale_) {
    Eigen::Index off = 0;
    for (const auto& sp : ema_generator_.parameter_spans()) {
      Eigen::Map<Vec>(sp.values, sp.size) = ema_values_.segment(off, sp.size);
      off += sp.size;
    }
    ema_stale_ = false;
  }
  return ema_generator_;
}

double NeuralSamplerBase::learning_rate_factor() const {
  // Same geometric law as the sigma annealing: factor^(it / decay) until decay, then factor.
  if (param("lr_decay_iterations") <= 0) return 1.0;
  return annealed_sigma(param("lr_final_fraction"), 1.0, param("lr_decay_iterations"),
                        static_cast<double>(iteration_));
}

bool NeuralSamplerBase::check_generator_finite() {
  if (!generator_.parameters_finite()) {
    mark_diverged("generator parameters became non-finite");
    return false;
  }
  return true;
}

void NeuralSamplerBase::evaluation_samples(int n, Points& out) {
  if (n <= 0) throw ParamError("n", "evaluation_samples: n must be positive");
  if (eval_latent_.rows() != n || eval_latent_.cols() != generator_.latent_dim())
    eval_latent_.resize(n, generator_.latent_dim());
  eval_rng_.fill_normal(eval_latent_);
  output_generator().forward(eval_latent_, out);
  const double noise = output_noise();
  if (noise > 0) {
    if (eval_noise_.rows() != n) eval_noise_.resize(n, 2);
    eval_rng_.fill_normal(eval_noise_);
    out.noalias() += noise * eval_noise_;
  }
}

const Points& NeuralSamplerBase::display_samples() const {
  if (display_stale_) {
    output_generator().forward(display_latent_, display_points_);
    const double noise = output_noise();
    if (noise > 0) display_points_.noalias() += noise * display_noise_;
    display_stale_ = false;
  }
  return display_points_;
}

bool NeuralSamplerBase::reference_affine(Vec2& mean, Mat2& lower) {
  const auto target = target_ptr();
  if (affine_target_.lock() != target) {
    affine_target_ = target;
    affine_ok_ = false;
    try {
      const auto ref = GridReference::compute(target, 256);
      const Eigen::LLT<Mat2> llt(ref->covariance());
      if (llt.info() == Eigen::Success) {
        affine_mean_ = ref->mean();
        affine_lower_ = llt.matrixL();
        affine_ok_ = true;
      }
    } catch (const std::exception&) {
      // No grid reference (e.g. a live energy model outside a draw): the caller keeps the box.
    }
  }
  mean = affine_mean_;
  lower = affine_lower_;
  return affine_ok_;
}

// ---------------------------------------------------------------------------------------------
// ScoreNetSamplerBase

void ScoreNetSamplerBase::reset_score_net() {
  score_net_.build(static_cast<int>(param("score_width")), static_cast<int>(param("score_layers")),
                   neural_activation(param("score_activation")), target().view_box(), init_rng_);
  Vec2 mean;
  Mat2 lower;
  if (param("score_affine") > 0 && reference_affine(mean, lower))
    score_net_.set_input_affine(mean, lower);  // whitened inputs
  nn::AdamOptions o;
  o.learning_rate = param("score_learning_rate");
  score_adam_ = nn::Adam(score_net_.net().num_parameters(), o);
  score_net_.reserve(static_cast<Eigen::Index>(param("batch_size") * param("score_batches")));
  warmed_up_ = false;
  x0_ring_.clear();
  ring_next_ = ring_filled_ = 0;
  dsm_loss_ = 0;
  if (width_target_ != &target()) update_target_width();
  sigma_now_ = current_sigma();
  score_net_.set_sigma(sigma_now_);
}

void ScoreNetSamplerBase::update_target_width() {
  width_target_ = &target();
  try {
    target_width_ = target_width_quantile(target_ptr(), kTargetWidthQuantile);
  } catch (const std::exception&) {
    // No grid reference (e.g. a normalizer that is not finite on the box): a twentieth of the
    // view box's smaller side, the scale the generator works in.
    const Box b = target().view_box();
    target_width_ = std::min(b.width(), b.height()) / 20.0;
  }
  auto_sigma_ = derived_sigma_from_width(target_width_);
}

void ScoreNetSamplerBase::set_target(std::shared_ptr<const Target> target) {
  NeuralSamplerBase::set_target(std::move(target));
  update_target_width();
}

double ScoreNetSamplerBase::current_sigma() const {
  const double sigma = param("sigma") > 0 ? param("sigma") : auto_sigma_;
  return annealed_sigma(sigma, param("sigma_start"), param("anneal_iterations"),
                        static_cast<double>(iteration_));
}

bool ScoreNetSamplerBase::residual_score() const {
  return find_param(param_table(), "residual") && param("residual") > 0;
}

bool ScoreNetSamplerBase::dsm_step_fresh(double sigma) {
  if (param("antithetic") > 0)
    draw_antithetic_batch();  // equal latents in rows i and i + B/2 (their noise is redrawn below)
  else
    draw_batch(false);
  generator_.forward(latent_, x0_);
  return dsm_step(sigma, x0_);
}

bool ScoreNetSamplerBase::dsm_step(double sigma, const Points& x0, Eigen::Index block) {
  const Eigen::Index b = x0.rows();
  if (dsm_noise_.rows() != b) dsm_noise_.resize(b, 2);
  // Antithetic: with an antithetic generator batch (equal latents in rows i and i + B/2 of each
  // block) each pair is x0 ± σε.
  if (param("antithetic") > 0)
    draw_antithetic_noise(dsm_noise_, block);
  else
    rng_.fill_normal(dsm_noise_);
  if (dsm_x_sigma_.rows() != b) dsm_x_sigma_.resize(b, 2);
  dsm_x_sigma_.noalias() = x0 + sigma * dsm_noise_;
  score_net_.set_sigma(sigma);
  if (residual_score()) {
    // S = s_q + Δ, Δ = −r_φ/σ: DSM on ε̂ = −σ s_q + r_φ regresses r_φ on ε + σ s_q(x_σ).
    target().evaluate(dsm_x_sigma_, nullptr, &dsm_scores_, nullptr);
    counters_.score += static_cast<std::uint64_t>(b);
    if (dsm_target_.rows() != b) dsm_target_.resize(b, 2);
    dsm_target_.noalias() = dsm_noise_ + sigma * dsm_scores_;
    dsm_loss_ = score_net_.dsm_loss_and_gradient(dsm_x_sigma_, dsm_target_);
  } else {
    dsm_loss_ = score_net_.dsm_loss_and_gradient(dsm_x_sigma_, dsm_noise_);
  }
  if (!std::isfinite(dsm_loss_)) {
    mark_diverged("score-network DSM loss became non-finite");
    return false;
  }
  const bool decay = !find_param(param_table(), "score_lr_decay") || param("score_lr_decay") > 0;
  score_adam_.set_learning_rate(param("score_learning_rate") *
                                (decay ? learning_rate_factor() : 1.0));
  const double norm =
      nn::clip_and_step(score_adam_, score_net_.net().parameter_span(), param("grad_clip"));
  if (!std::isfinite(norm)) {
    mark_diverged("score-network gradient became non-finite");
    return false;
  }
  return true;
}

bool ScoreNetSamplerBase::score_phase(double sigma, bool antithetic_batch) {
  prepare_batch();
  if (!warmed_up_) {
    const int warm = static_cast<int>(param("warmup_steps"));
    for (int k = 0; k < warm; ++k) {
      check_interrupt();  // up to 20000 DSM steps: an interrupted warm-up is redone in full
      if (!dsm_step_fresh(sigma)) return false;
    }
    warmed_up_ = true;
  }
  // The iteration's generator batch: its forward pass is the one the generator step
  // back-propagates through (nothing runs the generator between here and there).
  if (antithetic_batch)
    draw_antithetic_batch();
  else
    draw_batch(true);
  generator_.forward(latent_, x0_);
  const int steps = static_cast<int>(param("score_steps"));
  const int per_step = static_cast<int>(param("score_batches"));
  const int ring = std::max(steps, per_step);
  if (static_cast<int>(x0_ring_.size()) != ring || x0_ring_[0].rows() != x0_.rows()) {
    x0_ring_.assign(static_cast<size_t>(ring), Points(x0_.rows(), 2));
    ring_next_ = 0;
    ring_filled_ = 0;
  }
  x0_ring_[static_cast<size_t>(ring_next_)] = x0_;
  const int newest = ring_next_;
  ring_next_ = (ring_next_ + 1) % ring;
  ring_filled_ = std::min(ring_filled_ + 1, ring);
  auto slot_of = [&](int age) { return ((newest - age % ring_filled_) % ring + ring) % ring; };
  const Eigen::Index b = x0_.rows();
  for (int k = 0; k < steps; ++k) {
    if (per_step == 1) {
      if (!dsm_step(sigma, x0_ring_[static_cast<size_t>(slot_of(k))])) return false;
      continue;
    }
    // Step k: the batches of ages k, k + 1, …, k + per_step − 1 (cycling over those stored).
    if (dsm_x0_.rows() != per_step * b) dsm_x0_.resize(per_step * b, 2);
    for (int j = 0; j < per_step; ++j)
      dsm_x0_.middleRows(j * b, b) = x0_ring_[static_cast<size_t>(slot_of(k + j))];
    if (!dsm_step(sigma, dsm_x0_, b)) return false;
  }
  if (!all_finite(score_net_.net().parameters())) {
    mark_diverged("score-network parameters became non-finite");
    return false;
  }
  return true;
}

void ScoreNetSamplerBase::fill_overlay(SamplerOverlay& out) const {
  fill_score_overlay(score_net_, target().view_box(), out);
}

}  // namespace ss
