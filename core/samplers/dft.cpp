#include "core/samplers/dft.h"

#include <cmath>

namespace ss {

const char* const kDftAbout =
    "Denoising Fisher Training (DFT) trains a neural network that turns Gaussian noise into "
    "samples in one pass. It minimizes the Fisher divergence between the target and the "
    "sampler's distribution blurred by a little Gaussian noise sigma: a second network learns "
    "the blurred sampler's score by denoising score matching, and the generator follows a "
    "gradient built from the target's Hessian and that network's input Jacobian, with no "
    "second derivatives of any network. Each iteration costs K score-network steps plus one "
    "generator step with one target score+Hessian per sample; sampling afterwards costs one "
    "network pass per point. By default the generator also follows the reverse-KL gradient "
    "(kl_weight), which has the same optimum: the Fisher gradient alone barely moves samples "
    "along directions where the target is nearly flat, such as a narrow valley's floor. The "
    "generator's output and the score network's input are scaled by the target's mean and "
    "covariance from its grid reference (output_affine, score_affine), so the network does not "
    "have to undo the view box's scale across a narrow valley. It "
    "fails quietly when sigma is wider than the target's narrowest feature (samples come out too "
    "tight, a deconvolved target), when the score network lags "
    "behind the generator (raise score_steps), and, like every score-based objective, it barely "
    "sees the relative weights of well-separated modes.";

DenoisingFisherSampler::DenoisingFisherSampler(std::shared_ptr<const Target> target)
    : ScoreNetSamplerBase(std::move(target)) {
  set_params({});
}

const ParamTable& DenoisingFisherSampler::table() {
  static const ParamTable t = [] {
    // Session 7 of issue 14 (docs/results.md): tanh generator, learning rate 1e-3 decaying to
    // 4 % over 3000 iterations, the reverse-KL term at 10 × the Fisher term's stiff weight, and
    // the returned samples from a moving average (β = 0.99) of the generator's weights.
    // Session 9: the generator's output affine from the target's grid reference (x = m + L u,
    // L L^T its covariance) instead of the view box, so that the MLP need not cancel most of the
    // box-scaled skip across a narrow valley (rosenbrock: 1.9 z₂ against the valley's 0.1), and
    // the score network's inputs whitened by the same moments (`score_affine`).
    ParamTable t = generator_param_defs(1e-3, 512, 3000, 0.04);
    for (auto& d : t) {
      if (d.name == "activation") d.default_value = 1;  // tanh
      if (d.name == "ema") d.default_value = 0.99;
      if (d.name == "output_affine") d.default_value = 1;  // reference
    }
    for (auto& d : score_net_param_defs(0.0, 0.5, 0, 5)) {
      if (d.name == "score_affine") d.default_value = 1;  // reference, like output_affine
      t.push_back(d);
    }
    t.push_back({"residual",
                 1,
                 0,
                 0,
                 "score network parametrization: plain S = -eps_hat/sigma, or residual S = s_q + "
                 "Delta (the O(1/sigma) noise of the generator gradient cancels per sample)",
                 false,
                 {"off", "on"},
                 false,
                 true});
    t.push_back({"precondition",
                 0,
                 0,
                 1e3,
                 "per-sample preconditioning v <- (|H_q| + lambda I)^-1 v, lambda = this x "
                 "1/w^2 (w the target's narrow width); 0 = off",
                 false,
                 {},
                 true});
    t.push_back(
        {"kl_weight",
         10,
         0,
         1e3,
         "weight of an added reverse-KL gradient kappa (S - s_q) (same minimizer), kappa = this x "
         "2/w^2 (the Fisher term's weight in the stiff direction); 0 = off (pure DFT)",
         false,
         {},
         true});
    t.push_back({"score_lr_decay",
                 0,
                 0,
                 0,
                 "whether the score network's learning rate decays with the generator's",
                 false,
                 {"off", "on"}});
    t.push_back({"sample_noise",
                 1,
                 0,
                 0,
                 "samples are x0 = g(z), or x0 + sigma*eps: the law the objective fits",
                 false,
                 {"off", "on"}});
    t.push_back({"variant",
                 0,
                 0,
                 0,
                 "generator gradient: full (both terms) or partial (target Hessian term only, "
                 "biased; for comparison)",
                 false,
                 {"full", "partial"}});
    return t;
  }();
  return t;
}

void DenoisingFisherSampler::reset(std::uint64_t seed) {
  clear_progress();
  reset_generator(seed);
  reset_score_net();
  grad_ws_.resize(latent_.rows());
  loss_ = 0;
}

void DenoisingFisherSampler::step() {
  if (status_.diverged) return;
  const double sigma = current_sigma();
  sigma_now_ = sigma;
  // The score phase draws the generator batch (antithetic pairs when the knob is on) and runs
  // the iteration's one generator forward pass, which generator_step() back-propagates through.
  if (!score_phase(sigma, param("antithetic") > 0)) return;
  if (!generator_step(sigma)) return;
  ++iteration_;
}

bool DenoisingFisherSampler::generator_step(double sigma) {
  x_sigma_.noalias() = x0_ + sigma * noise_;
  score_net_.set_sigma(sigma);
  DftGradientOptions options;
  options.variant = static_cast<DftVariant>(static_cast<int>(param("variant")));
  options.residual = residual_score();
  // κ and λ in units of the target's stiff curvature 1/w² at the width quantile (the Fisher
  // term −2H_qΔ weighs Δ by up to 2/w²), so the knobs mean the same on every target.
  const double w = target_width();
  const double curvature = std::isfinite(w) && w > 0 ? 1.0 / (w * w) : 1.0;
  options.kl_weight = 2.0 * curvature * param("kl_weight");
  options.precondition = curvature * param("precondition");
  loss_ = dft_output_gradient(target(), x_sigma_, noise_, sigma, options, score_net_, grad_ws_,
                              grad_x_, &counters_);
  if (!std::isfinite(loss_) || !all_finite(grad_x_)) {
    mark_diverged(std::isfinite(loss_) ? "DFT output gradient became non-finite"
                                       : "DFT loss became non-finite");
    return false;
  }
  grad_x_ *= 1.0 / static_cast<double>(grad_x_.rows());
  generator_.backward(grad_x_);
  return generator_update();
}

std::vector<std::pair<std::string, double>> DenoisingFisherSampler::statistics() const {
  return {{"loss", loss_},
          {"dsm_loss", dsm_loss_},
          {"sigma", sigma_now_},
          {"grad_norm", last_grad_norm_},
          {"sigma_auto", auto_sigma()}};
}

double DenoisingFisherSampler::output_noise() const {
  return param("sample_noise") > 0 ? sigma_now_ : 0.0;
}

}  // namespace ss
