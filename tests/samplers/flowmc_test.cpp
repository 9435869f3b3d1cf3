#include "core/samplers/flowmc.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <cstdio>

#include "core/samplers/langevin.h"
#include "core/targets/grid_reference.h"

namespace ss {
namespace {

// Fraction of pooled samples in each mode region of the reference.
std::vector<double> mode_fractions(const GridReference& ref, const std::vector<Points>& pooled) {
  std::vector<double> f(ref.regions().size(), 0.0);
  double total = 0;
  for (const Points& p : pooled)
    for (Eigen::Index i = 0; i < p.rows(); ++i) {
      f[ref.region_of(p(i, 0), p(i, 1))] += 1;
      total += 1;
    }
  for (double& v : f) v /= total;
  return f;
}

double total_variation(const GridReference& ref, const std::vector<double>& f) {
  double tv = 0;
  for (size_t r = 0; r < f.size(); ++r) tv += 0.5 * std::abs(f[r] - ref.regions()[r].true_mass);
  return tv;
}

// Index of the lightest mixture component.
int lightest_component(const Target& t) {
  const auto c = t.components();
  int best = 0;
  for (int k = 1; k < int(c.size()); ++k)
    if (c[k].weight < c[best].weight) best = k;
  return best;
}

// Runs a sampler to the end of `iterations` steps and pools the states of the last `pool` ones.
std::vector<Points> run_and_pool(Sampler& s, int iterations, int pool) {
  std::vector<Points> out;
  for (int t = 0; t < iterations; ++t) {
    s.step();
    if (t >= iterations - pool) out.push_back(s.display_samples());
  }
  return out;
}

TEST(FlowMcSlow, TwoToOneMixtureFromTheLightModeGetsTheMassesRight) {
  auto target = make_target(TargetSpec{"gmm_2to1"});
  auto ref = GridReference::compute(target, 256);
  const int light = lightest_component(*target);
  const ParamValues start = {{"init", 3}, {"init_mode", light}, {"init_scale", 0.05}};

  FlowMcSampler flowmc(target);
  ParamValues p = start;
  p["chains"] = 100;
  flowmc.set_params(p);
  flowmc.reset(2024);
  // 10 training loops of 40 + 20 + 40 iterations, then 15 production loops of 80; pool production.
  const auto pooled = run_and_pool(flowmc, 1000 + 1200, 1200);
  ASSERT_FALSE(flowmc.status().diverged) << flowmc.status().reason;
  ASSERT_TRUE(flowmc.in_production());
  const auto f = mode_fractions(*ref, pooled);
  ASSERT_EQ(f.size(), 2u);
  // Within 0.05 of the true masses (⅓, ⅔); 100 chains × 1200 correlated draws.
  for (size_t r = 0; r < f.size(); ++r)
    EXPECT_NEAR(f[r], ref->regions()[r].true_mass, 0.05) << "region " << r;
  std::printf("gmm_2to1 flowMC masses %.3f %.3f (true %.3f %.3f), accept_global %.3f\n", f[0], f[1],
              ref->regions()[0].true_mass, ref->regions()[1].true_mass, flowmc.accept_global());

  // MALA alone from the same start stays in its mode.
  LangevinSampler mala(target, LangevinSampler::Variant::mala);
  ParamValues q = start;
  q["chains"] = 100;
  mala.set_params(q);
  mala.reset(2024);
  const auto mala_pooled = run_and_pool(mala, 2200, 1200);
  EXPECT_GT(total_variation(*ref, mode_fractions(*ref, mala_pooled)), 0.3);
}

TEST(FlowMcSlow, WithoutTheBoxComponentAFlowTrainedInOneModeNeverLeavesIt) {
  // The limitation the defensive box component addresses (flowmc.md §5): with w = 0 (flowMC
  // exactly) the flow only learns the light mode the chains started in, so the heavy mode is
  // never proposed and the masses stay far off (TV > 0.3).
  auto target = make_target(TargetSpec{"gmm_2to1"});
  auto ref = GridReference::compute(target, 256);
  FlowMcSampler flowmc(target);
  flowmc.set_params({{"init", 3},
                     {"init_mode", lightest_component(*target)},
                     {"init_scale", 0.05},
                     {"box_proposal_weight", 0}});
  flowmc.reset(2024);
  const auto pooled = run_and_pool(flowmc, 1000 + 400, 400);
  EXPECT_GT(total_variation(*ref, mode_fractions(*ref, pooled)), 0.3);
}

TEST(FlowMcSlow, FourModesOnALineGetTheirWeights) {
  auto target = make_target(TargetSpec{"gmm_4line"});
  auto ref = GridReference::compute(target, 256);
  FlowMcSampler flowmc(target);
  flowmc.reset(7);
  const auto pooled = run_and_pool(flowmc, 1000 + 1200, 1200);
  ASSERT_FALSE(flowmc.status().diverged) << flowmc.status().reason;
  const auto f = mode_fractions(*ref, pooled);
  ASSERT_EQ(f.size(), 4u);
  for (size_t r = 0; r < f.size(); ++r)
    EXPECT_NEAR(f[r], ref->regions()[r].true_mass, 0.05) << "region " << r;
  std::printf("gmm_4line flowMC masses %.3f %.3f %.3f %.3f, accept_global %.3f\n", f[0], f[1], f[2],
              f[3], flowmc.accept_global());
}

TEST(FlowMcSlow, DualMoonVisitsAllFourModesAndGlobalMovesAreAccepted) {
  auto target = make_target(TargetSpec{"dual_moon"});
  auto ref = GridReference::compute(target, 256);
  ASSERT_EQ(ref->regions().size(), 4u);
  FlowMcSampler flowmc(target);
  flowmc.reset(11);
  const auto pooled = run_and_pool(flowmc, 1000 + 800, 800);
  ASSERT_TRUE(flowmc.in_production());
  const auto f = mode_fractions(*ref, pooled);
  for (size_t r = 0; r < f.size(); ++r) EXPECT_GT(f[r], 0.1 * ref->regions()[r].true_mass);
  EXPECT_GT(flowmc.accept_global(), 0.20);  // production phase: after training
  std::printf("dual_moon flowMC masses %.3f %.3f %.3f %.3f, accept_global %.3f\n", f[0], f[1], f[2],
              f[3], flowmc.accept_global());
}

TEST(FlowMc, ScheduleCountersAndStatistics) {
  auto target = make_target(TargetSpec{"gmm_2to1"});
  FlowMcSampler s(target);
  s.set_params({{"chains", 20},
                {"local_steps", 3},
                {"global_steps", 2},
                {"epochs", 2},
                {"training_loops", 1},
                {"max_examples", 50},
                {"batch_size", 25}});
  s.reset(1);
  EXPECT_EQ(s.block(), FlowMcSampler::Block::local);
  for (int t = 0; t < 3; ++t) s.step();
  EXPECT_EQ(s.block(), FlowMcSampler::Block::train);
  // 20 initial + 3 MALA steps of 20 chains: joint evaluations.
  EXPECT_EQ(s.counters().log_density, 80u);
  EXPECT_EQ(s.counters().score, 80u);
  s.step();
  s.step();
  EXPECT_EQ(s.block(), FlowMcSampler::Block::global);
  EXPECT_EQ(s.counters().log_density, 80u);  // training costs no target evaluations
  s.step();
  s.step();
  EXPECT_TRUE(s.in_production());
  EXPECT_EQ(s.counters().log_density, 120u);  // 2 IMH steps of 20 chains
  EXPECT_EQ(s.block(), FlowMcSampler::Block::local);
  const double eps = s.step_size();
  for (int t = 0; t < 10; ++t) s.step();
  EXPECT_EQ(s.step_size(), eps);  // frozen in production
  bool has_loss = false, has_global = false;
  for (const auto& [name, value] : s.statistics()) {
    if (name == "loss") has_loss = std::isfinite(value);
    if (name == "accept_global") has_global = value >= 0 && value <= 1;
  }
  EXPECT_TRUE(has_loss);
  EXPECT_TRUE(has_global);
  SamplerOverlay overlay;
  s.fill_overlay(overlay);
  EXPECT_EQ(overlay.field.size(), size_t(overlay.field_n * overlay.field_n));
  EXPECT_FALSE(overlay.trails.empty());
}

TEST(FlowMc, SameTrajectoryWithOneAndTwoThreads) {
  auto target = make_target(TargetSpec{"gmm_2to1"});
  auto run = [&](int threads) {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, threads);
    FlowMcSampler s(target);
    s.set_params({{"chains", 600},
                  {"local_steps", 5},
                  {"global_steps", 5},
                  {"epochs", 3},
                  {"training_loops", 2},
                  {"max_examples", 1200},
                  {"batch_size", 600}});
    s.reset(5);
    for (int t = 0; t < 40; ++t) s.step();
    return Points(s.states().x);
  };
  const Points a = run(1), b = run(2);
  EXPECT_TRUE((a.array() == b.array()).all());
}

TEST(FlowMc, RegisteredAndValidatesKnobs) {
  auto target = make_target(TargetSpec{"gmm_2to1"});
  auto s = make_sampler("flowmc", target, {{"chains", 10}}, 3);
  EXPECT_EQ(s->kind(), "flowmc");
  EXPECT_THROW(make_sampler("flowmc", target, {{"box_proposal_weight", 2}}, 3), ParamError);
  EXPECT_THROW(make_sampler("flowmc", target, {{"epochs", 0}}, 3), ParamError);
}

}  // namespace
}  // namespace ss
