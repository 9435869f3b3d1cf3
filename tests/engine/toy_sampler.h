// A tiny deterministic sampler for engine tests: n particles doing unadjusted Langevin steps
// x ← x + h·∇log p(x) + sqrt(2h)·ξ. Knobs: particles (needs_reset), step_size, explode_at (the
// iteration at which the positions are set to NaN, to test divergence handling; 0 = never),
// escape_at (the iteration at which one particle jumps to the finite but far-away x = 1e7; 0 =
// never) and throw_at (the iteration at which step() throws; 0 = never). Plus a catalog that
// exposes it as kind "walker" so scenarios and sessions can use it.
//
// For the ebm task (issue 15): FitterSampler, kind "fitter", a stand-in for an EbmTrainer — its
// chains move toward the problem's training points one after another and it reports its own
// metrics through custom_metrics() (nll_test, mode_tv); explode_at makes it diverge. A toy
// problem maker draws the data from a 64² grid reference of the target (data.csv is refused with
// "cannot read"). toy_catalog() holds walker and fitter.
#pragma once

#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/ebm/problem.h"
#include "core/io/scenario.h"
#include "core/samplers/sampler.h"
#include "core/targets/grid_reference.h"

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
              const ParamValues& params, std::uint64_t seed,
              const Interrupt*) -> std::unique_ptr<Sampler> {
    if (kind != "walker") throw ParamError("kind", "unknown method kind '" + kind + "'");
    auto s = std::make_unique<WalkerSampler>(std::move(target));
    s->set_params(params);
    s->reset(seed);
    return s;
  };
  return c;
}

class FitterSampler : public Sampler {
 public:
  explicit FitterSampler(std::shared_ptr<const EbmProblem> problem)
      : Sampler(uniform_on(problem->box)), problem_(std::move(problem)) {}
  static std::shared_ptr<const Target> uniform_on(const Box& box) {
    TargetSpec t;
    t.kind = "formula";
    t.log_density = "0";
    t.box = box;
    return make_target(t);
  }
  static const ParamTable& table() {
    static const ParamTable t = {
        {"chains", 16, 1, 10000, "persistent chains", true, {}, false, true},
        {"rate", 0.05, 0, 1, "pull toward the data", false, {}, false, false},
        {"explode_at", 0, 0, 1e9, "iteration at which the chains become NaN", true},
    };
    return t;
  }
  std::string kind() const override { return "fitter"; }
  const ParamTable& param_table() const override { return table(); }
  void reset(std::uint64_t seed) override {
    clear_progress();
    rng_.seed(seed);
    const Box& b = problem_->box;
    x_.resize(int(param("chains")), 2);
    for (Eigen::Index i = 0; i < x_.rows(); ++i)
      x_.row(i) << rng_.uniform(b.xmin, b.xmax), rng_.uniform(b.ymin, b.ymax);
  }
  void step() override {
    const double rate = param("rate");
    const Points& data = problem_->train;
    for (Eigen::Index i = 0; i < x_.rows(); ++i) {
      const Eigen::Index k = (iteration_ * x_.rows() + i) % data.rows();
      x_.row(i) += rate * (data.row(k) - x_.row(i));
    }
    counters_.score += std::uint64_t(x_.rows());
    ++iteration_;
    if (param("explode_at") > 0 && iteration_ >= std::int64_t(param("explode_at"))) {
      x_(0, 0) = std::numeric_limits<double>::quiet_NaN();
      mark_diverged("the energy became non-finite");
    }
  }
  void evaluation_samples(int n, Points& out) override {
    out = x_.topRows(std::min<Eigen::Index>(n, x_.rows()));
  }
  const Points& display_samples() const override { return x_; }
  std::vector<std::pair<std::string, double>> statistics() const override {
    return {{"loss", x_.rows() ? x_.col(0).mean() : 0.0}};
  }
  bool custom_metrics(std::vector<std::pair<std::string, double>>& out) override {
    const Eigen::RowVector2d gap = x_.colwise().mean() - problem_->test.colwise().mean();
    out = {{"nll_test", gap.squaredNorm()}, {"mode_tv", 0.5}};
    return true;
  }
  const EbmProblem& problem() const { return *problem_; }

 private:
  std::shared_ptr<const EbmProblem> problem_;
  Points x_;
};

/// The toy problem maker: data.samples / data.test_samples points from a 64² grid reference of
/// the target (seeded like make_ebm_problem); data.csv is refused.
inline std::shared_ptr<const EbmProblem> toy_problem(std::shared_ptr<const Target> target,
                                                     const DataSettings& data,
                                                     const EbmSettings& ebm, std::uint64_t seed) {
  if (!data.csv.empty()) throw std::runtime_error("cannot read '" + data.csv + "'");
  auto p = std::make_shared<EbmProblem>();
  auto reference = GridReference::compute(target, 64);
  Rng rng(derive_seed(seed, EbmProblem::kDataStream));
  reference->sample(data.samples, rng, p->train);
  reference->sample(data.test_samples, rng, p->test);
  p->box = target->view_box();
  p->grid_n = 64;
  p->truth = reference;
  p->ebm = ebm;
  p->seed = seed;
  return p;
}

/// walker (sample task) and fitter (ebm task, on toy_problem).
inline MethodCatalog toy_catalog() {
  MethodCatalog c = walker_catalog();
  c.ebm_kinds = [] { return std::vector<std::string>{"fitter"}; };
  c.ebm_param_table = [](const std::string& kind) -> const ParamTable& {
    if (kind != "fitter") throw ParamError("kind", "unknown method kind '" + kind + "'");
    return FitterSampler::table();
  };
  c.make_ebm = [](const std::string& kind, std::shared_ptr<const EbmProblem> problem,
                  const ParamValues& params, std::uint64_t seed,
                  const Interrupt*) -> std::unique_ptr<Sampler> {
    if (kind != "fitter") throw ParamError("kind", "unknown method kind '" + kind + "'");
    auto s = std::make_unique<FitterSampler>(std::move(problem));
    s->set_params(params);
    s->reset(seed);
    return s;
  };
  c.make_problem = toy_problem;
  return c;
}

/// An ebm scenario on the walker scenario's mixture with `runs` fitters f1, f2, ... (small data).
inline Scenario fitter_scenario(int runs = 2, double iterations = 60) {
  Scenario s;
  s.name = "fitters";
  s.seed = 11;
  s.task = Task::ebm;
  s.target.kind = "gmm";
  GaussianComponent a, b;
  a.weight = 0.5;
  a.mean = Vec2(-1.5, 0);
  a.cov = 0.3 * Mat2::Identity();
  b.weight = 0.5;
  b.mean = Vec2(1.5, 0);
  b.cov = 0.3 * Mat2::Identity();
  s.target.components = {a, b};
  s.data.samples = 256;
  s.data.test_samples = 64;
  s.ebm.batch = 16;
  s.ebm.persistent = 16;
  for (int i = 0; i < runs; ++i)
    s.methods.push_back({"fitter", "f" + std::to_string(i + 1), {}, true});
  s.budget = {BudgetKind::iterations, iterations};
  s.metrics.ksd_samples = 16;
  s.metrics.every = 10;
  return s;
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
