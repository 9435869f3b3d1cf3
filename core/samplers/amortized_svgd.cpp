#include "core/samplers/amortized_svgd.h"

#include <cmath>

namespace ss {

const char* const kAmortizedSvgdAbout =
    "Amortized SVGD trains a neural network that turns Gaussian noise into samples. At every "
    "iteration it generates a batch, computes the SVGD direction on that batch (kernel-smoothed "
    "target scores pulling points toward high density, plus a kernel repulsion pushing them "
    "apart) and nudges the network so that each generated point moves along its direction. It "
    "needs only target scores (one per generated point) and one backward pass; after training, "
    "sampling is one network pass. The repulsion is what keeps the batch spread out, so it "
    "inherits SVGD's weaknesses: with the median-heuristic bandwidth the samples tend to be "
    "under-dispersed, and separated modes can be dropped when the generator starts far from them.";

AmortizedSvgdSampler::AmortizedSvgdSampler(std::shared_ptr<const Target> target)
    : NeuralSamplerBase(std::move(target)) {
  set_params({});
}

const ParamTable& AmortizedSvgdSampler::table() {
  static const ParamTable t = [] {
    ParamTable t = generator_param_defs(5e-4, 512, 2000, 0.1);
    t.push_back({"bandwidth",
                 0,
                 0,
                 100,
                 "RBF kernel bandwidth h (0 = median heuristic on every batch, as SVGD)",
                 false,
                 {},
                 false});
    return t;
  }();
  return t;
}

void AmortizedSvgdSampler::reset(std::uint64_t seed) {
  clear_progress();
  reset_generator(seed);
  loss_ = bandwidth_ = 0;
}

void AmortizedSvgdSampler::step() {
  if (status_.diverged) return;
  prepare_batch();
  draw_batch(false);
  generator_.forward(latent_, x0_);
  target().evaluate(x0_, nullptr, &scores_, nullptr);
  counters_.score += static_cast<std::uint64_t>(x0_.rows());
  const double h = param("bandwidth");
  const double h2 = svgd_direction(x0_, scores_, h > 0 ? h * h : 0.0, kernel_ws_, phi_);
  bandwidth_ = std::sqrt(h2);
  loss_ = phi_.rowwise().squaredNorm().mean();
  if (!std::isfinite(loss_)) {
    mark_diverged("SVGD direction became non-finite");
    return;
  }
  grad_x_ = phi_ * (-1.0 / static_cast<double>(phi_.rows()));
  generator_.backward(grad_x_);
  if (!generator_update()) return;
  ++iteration_;
}

std::vector<std::pair<std::string, double>> AmortizedSvgdSampler::statistics() const {
  return {{"loss", loss_}, {"bandwidth", bandwidth_}, {"grad_norm", last_grad_norm_}};
}

void AmortizedSvgdSampler::fill_overlay(SamplerOverlay& out) const {
  out.kernel_bandwidth = bandwidth_;
}

}  // namespace ss
