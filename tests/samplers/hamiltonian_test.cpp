#include "core/samplers/hamiltonian.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <cstdio>

#include "core/metrics/energy_distance.h"
#include "core/metrics/iid_baseline.h"
#include "core/targets/grid_reference.h"
#include "gaussian_target.h"

namespace ss {
namespace {

using test_util::Gaussian2;
using test_util::kMu;
using test_util::sigma;
using Variant = HamiltonianSampler::Variant;

class StdGaussian final : public GenericTarget<StdGaussian> {
 public:
  std::string kind() const override { return "std_gaussian"; }
  std::string display_name() const override { return "N(0, I)"; }
  Box view_box() const override { return {-4, 4, -4, 4}; }
  TargetSpec spec() const override { return {}; }
  template <class S>
  S logp(const S& x, const S& y) const {
    return -0.5 * (x * x + y * y);
  }
};

test_util::Moments moments(HamiltonianSampler& s, int iterations) {
  return test_util::check_moments(
      s, [&]() -> const Points& { return s.states().x; }, iterations, kMu, sigma());
}

TEST(Hamiltonian, LeapfrogIsReversibleTo1e10) {
  // Banana (curved, non-quadratic): 200 steps forward, negate p, 200 steps back.
  auto target = make_target(TargetSpec{"banana"});
  for (const Vec2& v : {Vec2(1, 1), Vec2(0.3, 2.5)}) {
    PhasePoint z;
    z.x = Vec2(0.4, -0.3);
    z.p = Vec2(1.1, -0.7);
    evaluate_point(*target, z);
    const PhasePoint z0 = z;
    for (int l = 0; l < 200; ++l) leapfrog(*target, z, 0.01, v);
    EXPECT_GT((z.x - z0.x).norm(), 0.1);  // it went somewhere
    z.p = -z.p;
    for (int l = 0; l < 200; ++l) leapfrog(*target, z, 0.01, v);
    EXPECT_LT((z.x - z0.x).norm(), 1e-10);
    EXPECT_LT((z.p + z0.p).norm(), 1e-10);
    // Integrating backward (negative ε) from the end retraces the path too.
    PhasePoint w = z0;
    for (int l = 0; l < 50; ++l) leapfrog(*target, w, 0.01, v);
    for (int l = 0; l < 50; ++l) leapfrog(*target, w, -0.01, v);
    EXPECT_LT((w.x - z0.x).norm(), 1e-10);
  }
}

TEST(Hamiltonian, HmcEnergyErrorShrinksAsEpsilonSquared) {
  // Fixed integration time λ = 1.6, ε = 0.2, 0.1, 0.05 from identical states and momenta (same
  // seed: the initial draws and the momenta do not depend on ε). Leapfrog's global energy error is
  // O(ε²): the mean |ΔH| over 1000 chains must fall by 4 (±10 %: the O(ε⁴) term) per halving.
  auto target = std::make_shared<Gaussian2>();
  std::vector<double> mean_abs;
  for (double eps : {0.2, 0.1, 0.05}) {
    HamiltonianSampler hmc(target, Variant::hmc);
    hmc.set_params({{"chains", 1000}, {"adapt", 0}, {"step_size", eps}, {"path_length", 1.6}});
    hmc.reset(5);
    hmc.step();
    EXPECT_EQ(hmc.hmc_steps(), int(std::round(1.6 / eps)));
    mean_abs.push_back(hmc.energy_errors().cwiseAbs().mean());
  }
  std::printf("mean |dH|: %.3e %.3e %.3e\n", mean_abs[0], mean_abs[1], mean_abs[2]);
  EXPECT_NEAR(mean_abs[0] / mean_abs[1], 4.0, 0.4);
  EXPECT_NEAR(mean_abs[1] / mean_abs[2], 4.0, 0.4);
}

TEST(HamiltonianSlow, HmcMeanAndCovarianceWithinThreeStandardErrors) {
  HamiltonianSampler hmc(std::make_shared<Gaussian2>(), Variant::hmc);
  hmc.set_params({{"chains", 100}, {"warmup", 300}});
  hmc.reset(21);
  for (int t = 0; t < 300; ++t) hmc.step();
  ASSERT_TRUE(hmc.frozen());
  const double eps = hmc.step_size();
  const auto r = moments(hmc, 2000);
  // 3 Monte-Carlo standard errors (ESS-based, 100 chains × 2000 draws) on 2 means, 3 covariances.
  EXPECT_LT(r.max_z_mean, 3.0);
  EXPECT_LT(r.max_z_cov, 3.0);
  EXPECT_EQ(hmc.step_size(), eps);
  EXPECT_FALSE(hmc.status().diverged);
}

TEST(HamiltonianSlow, NutsMeanAndCovarianceWithinThreeStandardErrors) {
  for (double metric : {0.0, 1.0}) {
    HamiltonianSampler nuts(std::make_shared<Gaussian2>(), Variant::nuts);
    nuts.set_params({{"chains", 100}, {"warmup", 300}, {"metric", metric}});
    nuts.reset(22);
    for (int t = 0; t < 300; ++t) nuts.step();
    const auto r = moments(nuts, 1500);
    EXPECT_LT(r.max_z_mean, 3.0) << "metric " << metric;
    EXPECT_LT(r.max_z_cov, 3.0) << "metric " << metric;
    if (metric == 1.0) {
      // The diagonal inverse metric estimates the marginal variances (1, 2) from 100 chains ×
      // 225 iterations of a slow window that starts at 15 % of warm-up: within 15 %.
      EXPECT_NEAR(nuts.inv_metric().x(), 1.0, 0.15);
      EXPECT_NEAR(nuts.inv_metric().y(), 2.0, 0.3);
    }
  }
}

TEST(Hamiltonian, NutsTreeDepthAndAcceptanceStatisticSaneOnAGaussian) {
  auto target = std::make_shared<StdGaussian>();
  // Adapted: the production acceptance statistic lands near δ = 0.8 (dual averaging's ε̄ is a
  // little more cautious than the last iterate, so allow [0.75, 0.95]); on N(0, I) a U-turn comes
  // after about half a period (π), i.e. a few steps of ε ≈ 1: mean depth in [1.5, 3.5].
  HamiltonianSampler nuts(target, Variant::nuts);
  nuts.set_params({{"chains", 500}, {"warmup", 200}, {"metric", 0}});
  nuts.reset(3);
  for (int t = 0; t < 300; ++t) nuts.step();
  std::map<std::string, double> s;
  for (auto& [k, v] : nuts.statistics()) s[k] = v;
  std::printf("eps %.3f accept_stat %.3f depth %.3f n_leapfrog %.2f\n", nuts.step_size(),
              s["accept_stat"], s["tree_depth"], s["n_leapfrog"]);
  EXPECT_GT(s["accept_stat"], 0.75);
  EXPECT_LT(s["accept_stat"], 0.95);
  EXPECT_GT(s["tree_depth"], 1.5);
  EXPECT_LT(s["tree_depth"], 3.5);
  EXPECT_EQ(s["divergences"], 0);
  EXPECT_EQ(s["max_depth_hits"], 0);
  for (int c = 0; c < 500; ++c) {
    const int d = nuts.tree_depths()[c], n = nuts.leapfrog_counts()[c];
    // A tree of depth d has 2^d − 1 leapfrog steps, plus at most 2^d of a rejected doubling.
    EXPECT_GE(n, (1 << d) - 1);
    EXPECT_LE(n, (1 << (d + 1)) - 1);
  }
  // Fixed small ε: almost every leaf accepted, and a half period π needs ≈ π/ε steps, so the depth
  // is ⌈log2(π/0.1)⌉ ± 1 = 5 ± 1.
  HamiltonianSampler fine(target, Variant::nuts);
  fine.set_params({{"chains", 200}, {"adapt", 0}, {"step_size", 0.1}});
  fine.reset(4);
  for (int t = 0; t < 50; ++t) fine.step();
  s.clear();
  for (auto& [k, v] : fine.statistics()) s[k] = v;
  EXPECT_GT(s["accept_stat"], 0.99);
  EXPECT_NEAR(s["tree_depth"], 5, 1);
  // Honest counting: one joint evaluation per leapfrog step, plus the initial one per chain.
  EXPECT_EQ(fine.counters().score, std::uint64_t(200 + s["n_leapfrog"] * 200 * 50 + 0.5));
}

TEST(Hamiltonian, SameTrajectoryWithOneAndTwoThreads) {
  auto target = make_target(TargetSpec{"banana"});
  for (auto v : {Variant::hmc, Variant::nuts}) {
    auto run = [&](int threads, std::uint64_t seed) {
      tbb::global_control c(tbb::global_control::max_allowed_parallelism, threads);
      HamiltonianSampler s(target, v);
      s.set_params({{"chains", 300}, {"warmup", 20}});
      s.reset(seed);
      for (int t = 0; t < 40; ++t) s.step();
      return Points(s.states().x);
    };
    const Points a = run(1, 3), b = run(2, 3), c = run(2, 4);
    EXPECT_TRUE((a.array() == b.array()).all());
    EXPECT_FALSE((a.array() == c.array()).all());
  }
}

TEST(Hamiltonian, SlowMotionTraceIsTheFollowedChainsTrajectory) {
  auto target = make_target(TargetSpec{"banana"});
  HamiltonianSampler hmc(target, Variant::hmc);
  hmc.set_params({{"chains", 10},
                  {"follow_chain", 3},
                  {"adapt", 0},
                  {"step_size", 0.1},
                  {"path_length", 1.0}});
  hmc.reset(1);
  PhasePoint z;
  z.x = hmc.states().x.row(3).transpose();
  evaluate_point(*target, z);
  hmc.step();
  SamplerOverlay o;
  hmc.fill_overlay(o);
  ASSERT_EQ(o.proposal.path.rows(), 10);
  EXPECT_EQ(o.proposal.start, z.x);
  EXPECT_EQ(o.proposal.chain, 3);
  EXPECT_EQ(o.proposal.end, o.proposal.accepted ? Vec2(o.proposal.path.row(9).transpose()) : z.x);

  HamiltonianSampler nuts(target, Variant::nuts);
  nuts.set_params({{"chains", 10}, {"follow_chain", 2}});
  nuts.reset(1);
  for (int t = 0; t < 5; ++t) nuts.step();
  nuts.fill_overlay(o);
  EXPECT_EQ(o.proposal.path.rows(), nuts.leapfrog_counts()[2]);
  ASSERT_EQ(o.proposal.side.size(), size_t(o.proposal.path.rows()));
  for (signed char sd : o.proposal.side) EXPECT_TRUE(sd == 1 || sd == -1);
  EXPECT_EQ(o.proposal.end, Vec2(nuts.states().x.row(2).transpose()));
  EXPECT_NEAR(o.proposal.accept_prob, nuts.accept_stats()[2], 0);
}

TEST(Hamiltonian, NutsFlagsDivergencesInTheFunnelNeck) {
  // A fixed large ε cannot resolve the funnel's neck: divergent transitions must appear, be
  // counted, and be marked for the canvas.
  HamiltonianSampler nuts(make_target(TargetSpec{"funnel"}), Variant::nuts);
  nuts.set_params({{"chains", 200}, {"adapt", 0}, {"step_size", 0.5}});
  nuts.reset(9);
  for (int t = 0; t < 50; ++t) nuts.step();
  std::map<std::string, double> s;
  for (auto& [k, v] : nuts.statistics()) s[k] = v;
  EXPECT_GT(s["divergences"], 0);
  SamplerOverlay o;
  nuts.fill_overlay(o);
  EXPECT_EQ(o.divergences.rows(), std::min<Eigen::Index>(256, Eigen::Index(s["divergences"])));
  EXPECT_FALSE(nuts.status().diverged);
}

// Energy distance of the newest 1000 window points to 1000 exact reference draws, and 3× the
// i.i.d. line (the same statistic between two independent exact sets, mean of 5).
struct EnergyCheck {
  double ed = 0, iid = 0;
};
EnergyCheck energy_check(const std::string& kind, Variant v, std::uint64_t seed) {
  auto target = make_target(TargetSpec{kind});
  auto ref = GridReference::compute(target, 256);
  HamiltonianSampler s(target, v);
  s.set_params({{"chains", 1000}});  // defaults otherwise: box start, warm-up 300
  s.reset(seed);
  for (int t = 0; t < 500 && !s.status().diverged; ++t) s.step();
  EXPECT_FALSE(s.status().diverged) << s.status().reason;
  Points x, y;
  s.evaluation_samples(1000, x);
  Rng rng(seed + 1);
  ref->sample(1000, rng, y);
  return {energy_distance(x, y), energy_distance_iid_baseline(*ref, 1000, 1000, 5, seed).mean};
}

TEST(HamiltonianSlow, DonutAndBananaFromTheBoxWithinThreeTimesTheIidLine) {
  for (const char* kind : {"donut", "banana"})
    for (auto v : {Variant::hmc, Variant::nuts}) {
      const EnergyCheck e = energy_check(kind, v, 100);
      std::printf("%s %s: energy distance %.4f, iid line %.4f\n", kind,
                  v == Variant::hmc ? "hmc" : "nuts", e.ed, e.iid);
      EXPECT_LT(e.ed, 3 * e.iid) << kind << (v == Variant::hmc ? " hmc" : " nuts");
    }
}

TEST(HamiltonianSlow, StartedInTheLightModeOfGmm2to1HmcAndNutsStayThere) {
  // The lesson: gradient dynamics cannot cross the barrier (flowMC's global moves do; see
  // FlowMcSlow.TwoToOneMixtureFromTheLightModeGetsTheMassesRight, which recovers ⅔ from the same
  // start).
  auto target = make_target(TargetSpec{"gmm_2to1"});
  const auto comps = target->components();
  const int light = comps[0].weight < comps[1].weight ? 0 : 1;
  for (auto v : {Variant::hmc, Variant::nuts}) {
    HamiltonianSampler s(target, v);
    s.set_params({{"chains", 200}, {"init", 3}, {"init_mode", light}, {"init_scale", 0.05}});
    s.reset(2024);
    double light_fraction = 0;
    int n = 0;
    for (int t = 0; t < 600; ++t) {
      s.step();
      if (t < 300) continue;
      for (Eigen::Index i = 0; i < s.states().x.rows(); ++i, ++n) {
        const Vec2 x = s.states().x.row(i).transpose();
        light_fraction += (x - comps[light].mean).norm() < (x - comps[1 - light].mean).norm();
      }
    }
    light_fraction /= n;
    // True light mass ⅓; the chains keep > 99 % of their draws in the light mode.
    EXPECT_GT(light_fraction, 0.99) << (v == Variant::hmc ? "hmc" : "nuts");
  }
}

TEST(Hamiltonian, RegisteredWithTheirKnobs) {
  auto target = std::make_shared<Gaussian2>();
  EXPECT_EQ(make_sampler("hmc", target, {}, 1)->kind(), "hmc");
  EXPECT_EQ(make_sampler("nuts", target, {{"chains", 7}}, 1)->display_samples().rows(), 7);
  EXPECT_THROW(make_sampler("nuts", target, {{"max_depth", 13}}, 1), ParamError);
  EXPECT_FALSE(sampler_about("nuts").empty());
}

}  // namespace
}  // namespace ss
