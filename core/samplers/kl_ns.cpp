#include "core/samplers/kl_ns.h"

#include <cmath>

namespace ss {

const char* const kKlNsAbout =
    "KL-NS trains a neural network that turns Gaussian noise into samples by minimizing the "
    "reverse KL divergence from the sampler to the target. The gradient of that divergence needs "
    "the sampler's own score, which no one can write down for a network, so a second network "
    "learns it by denoising score matching on the generated points; the generator then moves "
    "each point along (target score − sampler score), i.e. toward high target density and away "
    "from where its own samples crowd. It needs only target scores (no Hessians), so an "
    "iteration is cheaper than DFT's. Reverse KL is mode-seeking: on separated modes it tends to "
    "settle on some of them and ignore the rest, and a score network lagging behind the "
    "generator lets the samples collapse.";

KlNeuralSampler::KlNeuralSampler(std::shared_ptr<const Target> target)
    : ScoreNetSamplerBase(std::move(target)) {
  set_params({});
}

const ParamTable& KlNeuralSampler::table() {
  static const ParamTable t = [] {
    ParamTable t = generator_param_defs(5e-4, 512, 3000, 0.04);
    for (auto& d : score_net_param_defs(0.05, 0.5, 2000, 5)) t.push_back(d);
    return t;
  }();
  return t;
}

void KlNeuralSampler::reset(std::uint64_t seed) {
  clear_progress();
  reset_generator(seed);
  reset_score_net();
  loss_ = 0;
}

void KlNeuralSampler::step() {
  if (status_.diverged) return;
  const double sigma = current_sigma();
  sigma_now_ = sigma;
  // The score phase draws the generator batch and runs the iteration's one generator forward.
  if (!score_phase(sigma, false)) return;

  x_sigma_.noalias() = x0_ + sigma * noise_;
  score_net_.set_sigma(sigma);
  score_net_.score(x_sigma_, net_score_);
  target().evaluate(x_sigma_, nullptr, &target_score_, nullptr);
  counters_.score += static_cast<std::uint64_t>(x_sigma_.rows());
  grad_x_ = net_score_ - target_score_;
  loss_ = grad_x_.rowwise().squaredNorm().mean();
  if (!std::isfinite(loss_)) {
    mark_diverged("KL-NS output gradient (S_phi - s_q) became non-finite");
    return;
  }
  grad_x_ *= 1.0 / static_cast<double>(grad_x_.rows());
  generator_.backward(grad_x_);
  if (!generator_update()) return;
  ++iteration_;
}

std::vector<std::pair<std::string, double>> KlNeuralSampler::statistics() const {
  return {{"loss", loss_},
          {"dsm_loss", dsm_loss_},
          {"sigma", sigma_now_},
          {"grad_norm", last_grad_norm_}};
}

}  // namespace ss
