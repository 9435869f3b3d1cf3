// Tests of core/ebm/flowmc_negatives: i-SIR's choice, global-move acceptance when the flow IS the
// tilted target, negatives of a fixed energy against exact draws from its grid distribution,
// determinism (reruns and 1 vs 2 threads, bitwise), failure reasons for non-finite state.
#include "core/ebm/flowmc_negatives.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <cstdio>
#include <limits>

#include "core/metrics/energy_distance.h"
#include "negatives_test_util.h"

namespace ss {
namespace {

using testing::fit_fixed_energy;
using testing::grid_draws;
using testing::heavy_share;
using testing::small_2to1_problem;

TEST(IsirChoose, InverseCdfOfNormalizedWeights) {
  const double w[3] = {std::log(1.0), std::log(3.0), std::log(4.0)};  // cdf 1/8, 4/8, 1
  EXPECT_EQ(isir_choose(w, 3, 0.0), 0);
  EXPECT_EQ(isir_choose(w, 3, 0.124), 0);
  EXPECT_EQ(isir_choose(w, 3, 0.126), 1);
  EXPECT_EQ(isir_choose(w, 3, 0.499), 1);
  EXPECT_EQ(isir_choose(w, 3, 0.501), 2);
  EXPECT_EQ(isir_choose(w, 3, 0.999999), 2);
  // Log-sum-exp: huge log weights do not overflow.
  const double big[2] = {1000.0, 1000.0 + std::log(3.0)};
  EXPECT_EQ(isir_choose(big, 2, 0.2), 0);
  EXPECT_EQ(isir_choose(big, 2, 0.3), 1);
}

TEST(IsirChoose, NonFiniteWeightsAreZero) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const double w[4] = {nan, 0.0, -inf, inf};
  for (double u : {0.0, 0.3, 0.99}) EXPECT_EQ(isir_choose(w, 4, u), 1);
  const double none[3] = {nan, -inf, nan};
  EXPECT_EQ(isir_choose(none, 3, 0.7), 0);  // all zero: the chain stays
}

// With a flat network and the tilt, the model is exactly ρ, and the untrained (identity) flow
// whitened by the box IS ρ: every IMH proposal has log α = 0 (accepted), and i-SIR's weights are
// all equal, so it picks a flow particle with probability (N − 1)/N.
TEST(FlowMcNegatives, GlobalAcceptanceWhenTheFlowIsTheTarget) {
  auto p = small_2to1_problem(512, 256);
  EnergyNet net;
  Rng init(1);
  net.build(p->ebm, p->box, init);
  net.set_tilt(true);
  for (const auto& span : {net.mlp().parameter_span()}) span.value_map().setZero();
  EnergyView view(net);
  EvalCounters counters;
  Points out;
  {
    FlowMcNegatives s;
    s.reset(*p, {{"global", 1}, {"local_before", 0}, {"local_after", 0}, {"global_steps", 1}}, 3);
    s.draw(view, 256, out, counters);
    EXPECT_EQ(s.accept_global(), 1.0);
  }
  {
    FlowMcNegatives s;
    s.reset(*p, {{"local_before", 0}, {"local_after", 0}, {"global_steps", 4}}, 3);
    s.draw(view, 256, out, counters);
    // 1024 choices, p = 31/32: sd = sqrt(p(1 − p)/1024) = 0.0054; 4 sd.
    EXPECT_NEAR(s.accept_global(), 31.0 / 32.0, 4 * 0.0054);
  }
}

// A fixed two-mode energy: after the chains and the flow have run against it, the persistent
// pool is compared with exact i.i.d. draws from the model's grid distribution. Bound: the
// energy distance between two independent i.i.d. sets of the same sizes (the largest of 8 pairs),
// times 3 (MCMC states are correlated and the pool is only ~25 updates old per chain).
TEST(FlowMcNegatives, NegativesMatchTheFixedEnergysGridDistribution) {
  auto p = small_2to1_problem(512, 64);
  EnergyNet net;
  fit_fixed_energy(net, *p, true);
  EnergyView view(net);
  EvalCounters counters;
  FlowMcNegatives s;
  s.reset(*p, {}, 21);
  Points out;
  for (int k = 0; k < 200; ++k) s.draw(view, 64, out, counters);
  ASSERT_EQ(s.failure(), "");
  Points pool;
  s.evaluation_samples(512, pool);
  Rng rng(99);
  Points ref, a, b;
  grid_draws(net, *p, 2048, rng, ref);
  double iid = 0;
  for (int r = 0; r < 8; ++r) {
    grid_draws(net, *p, 512, rng, a);
    iid = std::max(iid, energy_distance(a, ref));
  }
  const double ed = energy_distance(pool, ref);
  std::printf(
      "flowmc_ebm negatives: energy distance %.4f (i.i.d. max %.4f), heavy share %.3f "
      "(grid %.3f), accept local %.2f global %.2f\n",
      ed, iid, heavy_share(pool), heavy_share(ref), s.accept_local(), s.accept_global());
  EXPECT_LT(ed, 3 * iid) << "i.i.d. max " << iid;
  // The mode weights: binomial sd of 512 draws ≈ 0.021; the fixed energy's own share of ref.
  EXPECT_NEAR(heavy_share(pool), heavy_share(ref), 0.07);
  EXPECT_GT(s.accept_global(), 0.05);
  EXPECT_GT(s.accept_local(), 0.3);
  for (const auto& [name, value] : s.statistics()) EXPECT_TRUE(std::isfinite(value)) << name;
}

Points run_draws(int threads, std::uint64_t seed, const std::string& global) {
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
  auto p = small_2to1_problem(256, 64);
  EnergyNet net;
  // An untrained network: determinism does not need a fitted one (and this keeps the ASan pass
  // short).
  Rng init(11);
  net.build(p->ebm, p->box, init);
  net.set_tilt(true);
  EnergyView view(net);
  EvalCounters counters;
  FlowMcNegatives s;
  s.reset(*p, {{"global", global == "imh" ? 1.0 : 0.0}}, seed);
  Points out, all(0, 2);
  for (int k = 0; k < 6; ++k) {
    s.draw(view, 64, out, counters);
    Points next(all.rows() + out.rows(), 2);
    next << all, out;
    all = next;
  }
  return all;
}

TEST(FlowMcNegatives, DeterministicAcrossRerunsAndThreads) {
  for (const char* g : {"isir", "imh"}) {
    const Points a = run_draws(1, 5, g), b = run_draws(1, 5, g), c = run_draws(2, 5, g);
    EXPECT_TRUE(a == b) << g;
    EXPECT_TRUE(a == c) << g;
    EXPECT_FALSE(a == run_draws(1, 6, g)) << g;
  }
}

TEST(FlowMcNegatives, NonFiniteStateIsAFailureWithAReason) {
  auto p = small_2to1_problem(256, 64);
  EnergyNet net;
  Rng init(1);
  net.build(p->ebm, p->box, init);
  net.set_tilt(true);
  EnergyView view(net);
  EvalCounters counters;
  Points out;
  {
    FlowMcNegatives s;
    s.reset(*p, {}, 1);
    s.draw(view, 64, out, counters);
    EXPECT_EQ(s.failure(), "");
    s.flow().parameters()[0].value_map()[0] = std::numeric_limits<double>::quiet_NaN();
    s.draw(view, 64, out, counters);
    EXPECT_NE(s.failure().find("flow"), std::string::npos) << s.failure();
  }
  {
    FlowMcNegatives s;
    s.reset(*p, {}, 1);
    net.mlp().parameter_span().value_map()[0] = std::numeric_limits<double>::quiet_NaN();
    s.draw(view, 64, out, counters);
    EXPECT_NE(s.failure().find("model"), std::string::npos) << s.failure();
  }
}

}  // namespace
}  // namespace ss
