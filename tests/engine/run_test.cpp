// Run: the canvas-view refresh schedule (view_overdue / refresh_view), display striding, display
// divergence, and budgets — with the toy "walker" sampler and explicit clock values, so no
// assertion depends on how fast the machine is.
#include "core/engine/run.h"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <limits>

#include "core/targets/target.h"
#include "engine/toy_sampler.h"

namespace ss {
namespace {

Run make_run(ParamValues params = {}) {
  auto target = make_target(TargetSpec{"donut"});
  MethodConfig config{"walker", "w", params};
  return Run(1, config, 7, testing::walker_catalog().make("walker", target, params, 7, nullptr));
}

ViewSettings plain_settings() {
  ViewSettings v;
  v.display_interval = 0.5;
  v.overlay_interval = 2.0;
  v.view_time_fraction = 0;  // intervals only: the schedule no longer depends on measured costs
  return v;
}

TEST(Run, ViewsNeverMadeAreDueFirstThenCurrentViewsAreNot) {
  ss::Run run = make_run();
  tbb::task_arena arena(1);
  const ViewSettings v = plain_settings();
  EXPECT_EQ(run.view_overdue(0, true, v), kInf);
  bool diverged = false;
  run.refresh_view(0, true, v, arena, diverged);  // display first (ties go to the display)
  EXPECT_EQ(run.view_overdue(0, true, v), kInf) << "the overlay was never made";
  run.refresh_view(0, true, v, arena, diverged);  // then the overlay
  EXPECT_EQ(run.view_overdue(100, true, v), -kInf) << "both views show the current iteration";
  EXPECT_EQ(run.refresh_view(100, true, v, arena, diverged), 0.0) << "nothing to refresh";
  EXPECT_FALSE(diverged);
}

TEST(Run, AdvancingRunWaitsItsIntervalAndAStoppedRunIsDueAtOnce) {
  ss::Run run = make_run();
  tbb::task_arena arena(1);
  const ViewSettings v = plain_settings();
  bool diverged = false;
  run.refresh_view(10, true, v, arena, diverged);
  run.refresh_view(10, true, v, arena, diverged);
  run.step(arena);  // the iteration changed: both views are stale
  // The display (interval 0.5 s) becomes due first; the overlay (2 s) later.
  EXPECT_DOUBLE_EQ(run.view_overdue(10.25, true, v), -0.25);
  EXPECT_DOUBLE_EQ(run.view_overdue(11.0, true, v), 0.5);
  EXPECT_DOUBLE_EQ(run.view_overdue(13.0, true, v), 2.5);  // display 2.5 s late, overlay 1 s
  // Not advancing (paused, finished): stale views are due immediately.
  EXPECT_EQ(run.view_overdue(10.25, false, v), std::numeric_limits<double>::max());
}

TEST(Run, ViewTimeFractionStretchesTheIntervalByTheRefreshCost) {
  ss::Run run = make_run();
  tbb::task_arena arena(1);
  ViewSettings v = plain_settings();
  v.view_time_fraction = 1e-15;  // a cost ≥ 1 ns (clock resolution) gives an interval ≥ 1e6 s
  bool diverged = false;
  const double cost = run.refresh_view(0, true, v, arena, diverged);
  ASSERT_GT(cost, 0.0);
  run.refresh_view(0, true, v, arena, diverged);
  run.step(arena);
  EXPECT_LT(run.view_overdue(1000, true, v), 0) << "the cost cap should still hold the views back";
  v.view_time_fraction = 0;
  EXPECT_GT(run.view_overdue(1000, true, v), 0) << "without the cap the interval has passed";
}

TEST(Run, DisplayIsAnEvenlyStridedSubsetOfTheSamplersDisplay) {
  ss::Run run = make_run({{"particles", 100}});
  tbb::task_arena arena(1);
  ViewSettings v = plain_settings();
  v.display_points = 10;
  bool diverged = false;
  run.refresh_view(0, false, v, arena, diverged);
  RunSnapshot snap;
  run.fill_snapshot(snap, RunState::paused, Budget{});
  ASSERT_TRUE(snap.display_samples);
  ASSERT_EQ(snap.display_samples->rows(), 10);
  const Points& all = run.sampler().display_samples();
  for (Eigen::Index i = 0; i < 10; ++i)
    EXPECT_EQ(snap.display_samples->row(i), all.row(i * 10)) << "row " << i;
  EXPECT_EQ(snap.display_iteration, 0);
}

TEST(Run, NonFiniteDisplayMarksTheRunDivergedOnce) {
  ss::Run run = make_run({{"explode_at", 1}});
  tbb::task_arena arena(1);
  run.step(arena);
  bool diverged = false;
  run.refresh_view(0, false, plain_settings(), arena, diverged);
  EXPECT_TRUE(diverged);
  EXPECT_TRUE(run.diverged());
  EXPECT_NE(run.status().reason.find("non-finite"), std::string::npos) << run.status().reason;
}

TEST(Run, BudgetsInIterationsAndGradientEvaluations) {
  ss::Run run = make_run({{"particles", 8}});
  tbb::task_arena arena(1);
  const Budget iterations{BudgetKind::iterations, 3}, evals{BudgetKind::gradient_evals, 16};
  for (int i = 0; i < 2; ++i) run.step(arena);
  EXPECT_FALSE(run.budget_reached(iterations));
  EXPECT_TRUE(run.budget_reached(evals));  // 2 steps × 8 particles = 16 score evaluations
  EXPECT_DOUBLE_EQ(run.budget_fraction(iterations), 2.0 / 3.0);
  run.step(arena);
  EXPECT_TRUE(run.budget_reached(iterations));
  EXPECT_DOUBLE_EQ(run.budget_fraction(iterations), 1.0);
}

}  // namespace
}  // namespace ss
