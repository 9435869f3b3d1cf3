// A tiny deterministic sampler for engine tests: n particles doing unadjusted Langevin steps
// x ← x + h·∇log p(x) + sqrt(2h)·ξ. Knobs: particles (needs_reset), step_size, explode_at (the
// iteration at which the positions are set to NaN, to test divergence handling; 0 = never),
// escape_at (the iteration at which one particle jumps to the finite but far-away x = 1e7; 0 =
// never) and throw_at (the iteration at which step() throws; 0 = never). Plus a catalog that
// exposes it as kind "walker" so scenarios and sessions can use it.
#pragma once

#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/io/scenario.h"
#include "core/samplers/sampler.h"

namespace ss::testing {

class WalkerSampler : public Sampler {
 public:
  using Sampler::Sampler;
  static const ParamTable& table() {
    static const ParamTable t = {
        {"particles", 64, 1, 100000, "number of particles", true, {}, false, true},
        {"step_size", 0.01, 1e-6, 1.0, "Langevin step size", false, {}, true, false},
        {"explode_at", 0, 0, 1e9, "iteration at which positions become NaN", true},
        {"throw_at", 0, 0, 1e9, "iteration at which step() throws", true},
        {"escape_at", 0, 0, 1e9, "iteration at which a particle jumps to x = 1e7", true},
    };
    return t;
  }
  std::string kind() const override { return "walker"; }
  const ParamTable& param_table() const override { return table(); }
  void reset(std::uint64_t seed) override {
    clear_progress();
    rng_.seed(seed);
    const int n = int(param("particles"));
    x_.resize(n, 2);
    rng_.fill_normal(x_);
    noise_.resize(n, 2);
  }
  void step() override {
    const double h = param("step_size");
    const std::int64_t next = iteration_ + 1;
    if (param("throw_at") > 0 && next == std::int64_t(param("throw_at")))
      throw std::runtime_error("walker failed on purpose");
    rng_.fill_normal(noise_);
    target_->evaluate(x_, nullptr, &score_, nullptr);
    counters_.score += std::uint64_t(x_.rows());
    x_ += h * score_ + std::sqrt(2 * h) * noise_;
    iteration_ = next;
    if (param("explode_at") > 0 && iteration_ >= std::int64_t(param("explode_at")))
      x_(0, 0) = std::numeric_limits<double>::quiet_NaN();
    if (param("escape_at") > 0 && iteration_ == std::int64_t(param("escape_at"))) x_(1, 0) = 1e7;
  }
  void evaluation_samples(int n, Points& out) override {
    out = x_.topRows(std::min<Eigen::Index>(n, x_.rows()));
  }
  const Points& display_samples() const override { return x_; }
  std::vector<std::pair<std::string, double>> statistics() const override {
    return {{"mean_x", x_.rows() ? x_.col(0).mean() : 0.0}};
  }

 private:
  Points x_, noise_, score_;
};

/// A catalog with only the toy "walker" kind.
inline MethodCatalog walker_catalog() {
  MethodCatalog c;
  c.kinds = [] { return std::vector<std::string>{"walker"}; };
  c.param_table = [](const std::string& kind) -> const ParamTable& {
    if (kind != "walker") throw ParamError("kind", "unknown method kind '" + kind + "'");
    return WalkerSampler::table();
  };
  c.make = [](const std::string& kind, std::shared_ptr<const Target> target,
              const ParamValues& params, std::uint64_t seed) -> std::unique_ptr<Sampler> {
    if (kind != "walker") throw ParamError("kind", "unknown method kind '" + kind + "'");
    auto s = std::make_unique<WalkerSampler>(std::move(target));
    s->set_params(params);
    s->reset(seed);
    return s;
  };
  return c;
}

/// A two-mode Gaussian mixture scenario with `runs` walkers labelled w1, w2, ...
inline Scenario walker_scenario(int runs = 2, double iterations = 100) {
  Scenario s;
  s.name = "walkers";
  s.seed = 7;
  s.target.kind = "gmm";
  GaussianComponent a, b;
  a.weight = 0.5;
  a.mean = Vec2(-1.5, 0);
  a.cov = 0.3 * Mat2::Identity();
  b.weight = 0.5;
  b.mean = Vec2(1.5, 0);
  b.cov = 0.3 * Mat2::Identity();
  s.target.components = {a, b};
  for (int i = 0; i < runs; ++i)
    s.methods.push_back({"walker", "w" + std::to_string(i + 1), {{"particles", 32}}, true});
  s.budget = {BudgetKind::iterations, iterations};
  s.metrics.ksd_samples = 32;
  s.metrics.every = 10;
  s.metrics.iid_draws = 2;
  return s;
}

}  // namespace ss::testing
