// Helpers shared by the neural sampler tests: KSD of a sampler's evaluation draws and of exact
// i.i.d. draws at the same n (the "i.i.d. line").
#pragma once

#include <Eigen/Cholesky>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/common/rng.h"
#include "core/metrics/ksd.h"
#include "core/samplers/sampler.h"
#include "core/targets/grid_reference.h"
#include "core/targets/target.h"

namespace ss::testing {

/// Mean ksd2_imq over `draws` fresh evaluation sets of n points of the sampler.
inline double mean_sampler_ksd(Sampler& s, int n, int draws) {
  Points x, g;
  double sum = 0;
  for (int d = 0; d < draws; ++d) {
    s.evaluation_samples(n, x);
    s.target().evaluate(x, nullptr, &g, nullptr);
    sum += ksd2_imq(x, g);
  }
  return sum / draws;
}

/// Mean ksd2_imq over `draws` sets of n exact draws from N(mean, cov).
inline double mean_gaussian_iid_ksd(const Target& t, const Vec2& mean, const Mat2& cov, int n,
                                    int draws, std::uint64_t seed) {
  Rng rng(seed);
  const Mat2 l = cov.llt().matrixL();
  Points x(n, 2), g;
  double sum = 0;
  for (int d = 0; d < draws; ++d) {
    for (int i = 0; i < n; ++i) {
      const Vec2 z(rng.normal(), rng.normal());
      x.row(i) = (mean + l * z).transpose();
    }
    t.evaluate(x, nullptr, &g, nullptr);
    sum += ksd2_imq(x, g);
  }
  return sum / draws;
}

/// Mean ksd2_imq over `draws` sets of n exact draws from the target's grid reference.
inline double mean_reference_iid_ksd(std::shared_ptr<const Target> t, int n, int draws,
                                     std::uint64_t seed) {
  auto ref = GridReference::compute(t);
  Rng rng(seed);
  Points x, g;
  double sum = 0;
  for (int d = 0; d < draws; ++d) {
    ref->sample(n, rng, x);
    t->evaluate(x, nullptr, &g, nullptr);
    sum += ksd2_imq(x, g);
  }
  return sum / draws;
}

/// A single Gaussian as a one-component "gmm" target.
inline std::shared_ptr<const Target> gaussian_target(const Vec2& mean, const Mat2& cov) {
  TargetSpec spec;
  spec.kind = "gmm";
  spec.components.push_back({1.0, mean, cov});
  return make_target(spec);
}

}  // namespace ss::testing

#include <gtest/gtest.h>
#include <tbb/global_control.h>

namespace ss::testing {

/// Runs `steps` iterations of a fresh sampler with at most `threads` TBB threads and returns its
/// display samples.
inline Points run_display(const std::string& kind, std::shared_ptr<const Target> t,
                          const ParamValues& params, int steps, int threads,
                          std::uint64_t seed = 7) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  auto s = make_sampler(kind, t, params, seed);
  for (int i = 0; i < steps; ++i) s->step();
  EXPECT_FALSE(s->status().diverged) << s->status().reason;
  return s->display_samples();
}

/// The determinism contract of sampler.h: same seed → same trajectory for 1 and 2 threads, and
/// after reset(seed); another seed → another trajectory; metric draws do not perturb training.
inline void expect_deterministic(const std::string& kind, const ParamValues& params) {
  auto t = gaussian_target(Vec2(0.5, -0.5), (Mat2() << 1.0, 0.3, 0.3, 0.6).finished());
  const int steps = 6;
  const Points one = run_display(kind, t, params, steps, 1);
  const Points two = run_display(kind, t, params, steps, 2);
  EXPECT_EQ(one, two) << "thread count changed the trajectory";

  auto s = make_sampler(kind, t, params, 7);
  Points eval;
  for (int i = 0; i < steps; ++i) {
    s->evaluation_samples(300, eval);  // interleaved metric draws
    s->step();
  }
  EXPECT_EQ(s->display_samples(), one) << "evaluation draws perturbed the training trajectory";
  s->reset(7);
  for (int i = 0; i < steps; ++i) s->step();
  EXPECT_EQ(s->display_samples(), one) << "reset(seed) did not reproduce the trajectory";
  EXPECT_NE(run_display(kind, t, params, steps, 2, 8), one) << "another seed, same trajectory";
  // Evaluation sets are fresh draws: two calls differ.
  Points e1, e2;
  s->evaluation_samples(50, e1);
  s->evaluation_samples(50, e2);
  EXPECT_NE(e1, e2);
  EXPECT_EQ(e1.rows(), 50);
}

/// Each built-in target at the sampler's defaults for `steps` iterations: no divergence and finite
/// evaluation samples.
inline void expect_no_divergence_on_every_target(const std::string& kind, int steps) {
  for (const std::string& name : builtin_target_kinds()) {
    auto t = make_target(TargetSpec{name});
    auto s = make_sampler(kind, t, {}, 3);
    for (int i = 0; i < steps && !s->status().diverged; ++i) s->step();
    EXPECT_FALSE(s->status().diverged) << kind << " on " << name << ": " << s->status().reason;
    Points x;
    s->evaluation_samples(500, x);
    EXPECT_TRUE(x.allFinite()) << kind << " on " << name;
  }
}

/// A target whose log density is NaN everywhere: any sampler must report divergence, not crash.
class NanTarget : public GenericTarget<NanTarget> {
 public:
  std::string kind() const override { return "nan_test"; }
  std::string display_name() const override { return "NaN (test)"; }
  Box view_box() const override { return {-1, 1, -1, 1}; }
  TargetSpec spec() const override { return {"nan_test"}; }
  template <class S>
  S logp(const S& x, const S& y) const {
    return x * x * std::numeric_limits<double>::quiet_NaN() + y;
  }
};

inline void expect_divergence_reported(const std::string& kind, const ParamValues& params) {
  auto s = make_sampler(kind, std::make_shared<NanTarget>(), params, 1);
  for (int i = 0; i < 3 && !s->status().diverged; ++i) s->step();
  EXPECT_TRUE(s->status().diverged);
  EXPECT_NE(s->status().reason.find("non-finite"), std::string::npos) << s->status().reason;
}

}  // namespace ss::testing

namespace ss::testing {

/// Trains `kind` on a correlated 2-D Gaussian for `iterations` and returns (sampler KSD, i.i.d.
/// KSD), both ksd2_imq at n = 1000 as the metric definition requires (equal n). The sampler side
/// is the mean over 8 fresh evaluation sets; the i.i.d. line is the mean over 32 sets of exact
/// Gaussian draws. Why so many: the line is an expectation, and a 4-set estimate of it scatters by
/// ±30 % between seeds (0.0031–0.0061 around 0.0048 measured over seeds 0–7), which would make a
/// "within 2×" threshold itself random; 32 sets bring that to about ±8 %.
inline std::pair<double, double> gaussian_ksd_after(const std::string& kind, ParamValues params,
                                                    int iterations, std::uint64_t seed) {
  const Vec2 mean(0.5, -0.5);
  const Mat2 cov = (Mat2() << 1.0, 0.3, 0.3, 0.6).finished();
  auto t = gaussian_target(mean, cov);
  auto s = make_sampler(kind, t, params, seed);
  for (int i = 0; i < iterations; ++i) s->step();
  EXPECT_FALSE(s->status().diverged) << s->status().reason;
  return {mean_sampler_ksd(*s, 1000, 8), mean_gaussian_iid_ksd(*t, mean, cov, 1000, 32, seed + 17)};
}

}  // namespace ss::testing
