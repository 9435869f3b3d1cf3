// Slow motion (app/ui/slow_motion.h): the animation schedule, the captions, and whole headless UI
// frames on a live session with HMC in slow motion — the held run advances one iteration per
// animated move while the other method runs to its budget, and the chain-diagnostics plots appear.
#include "app/ui/slow_motion.h"

#include <gtest/gtest.h>
#include <imgui.h>

#include <chrono>
#include <thread>

#include "app/ui/controls_panel.h"
#include "headless_imgui.h"

namespace ss::ui {
namespace {

using testing::HeadlessImGui;

ProposalTrace hmc_trace(int steps) {
  ProposalTrace t;
  t.iteration = 3;
  t.path.resize(steps, 2);
  for (int i = 0; i < steps; ++i) t.path.row(i) = Eigen::RowVector2d(0.1 * i, 0);
  t.accepted = true;
  t.accept_prob = 0.83;
  return t;
}

TEST(SlowMotion, PathGrowsThenTheOutcomeIsShown) {
  const ProposalTrace t = hmc_trace(10);
  EXPECT_EQ(trace_frame(t, 0).rows_visible, 0);
  EXPECT_FALSE(trace_frame(t, 0).show_outcome);
  EXPECT_EQ(trace_frame(t, 0.35).rows_visible, 5);  // half of the path share (0.7)
  EXPECT_EQ(trace_frame(t, 0.69).rows_visible, 10);
  EXPECT_FALSE(trace_frame(t, 0.69).show_outcome);
  EXPECT_TRUE(trace_frame(t, 0.7).show_outcome);
  EXPECT_EQ(trace_frame(t, 5).rows_visible, 10);  // clamped
  EXPECT_EQ(trace_caption("hmc", t), "chain 0: 10 leapfrog steps, a = 0.83, accepted");
  ProposalTrace n = t;
  n.side = std::vector<signed char>(10, 1);
  n.doubling = {0, 1, 1, 2, 2, 2, 2, 3, 3, 3};
  n.accepted = false;
  EXPECT_EQ(trace_caption("nuts", n),
            "chain 0: tree depth 4, 10 leapfrog steps, accept stat 0.83, stayed");
  EXPECT_TRUE(slow_motion_supported("nuts"));
  EXPECT_FALSE(slow_motion_supported("svgd"));
}

TEST(SlowMotion, HeldRunAdvancesOneMovePerAnimationWhileTheOtherRunsOn) {
  Scenario sc;
  sc.name = "slow motion test";
  sc.seed = 3;
  sc.target.kind = "banana";
  sc.methods = {MethodConfig{"hmc", "HMC", {{"chains", 50}}, true},
                MethodConfig{"rwmh", "RW", {{"chains", 50}}, true}};
  sc.budget = Budget{BudgetKind::iterations, 200};
  sc.metrics.every = 10;
  sc.metrics.ksd_samples = 100;
  HeadlessImGui imgui;
  AppState app;
  app.headless = true;
  app.session = std::make_unique<Session>(sc);
  app.session->sync();
  imgui.frame(app);
  ASSERT_TRUE(app.snap);
  const RunSnapshot* hmc = app.snap->find_run("HMC");
  ASSERT_NE(hmc, nullptr);
  SlowMotionSettings s;
  s.on = true;
  s.frames = 4;
  s.hold_run = true;
  set_slow_motion(app, hmc->id, s);
  app.session->post(cmd::Start{});
  bool done = false;
  for (int k = 0; k < 12000 && !done; ++k) {  // ≤ 120 s
    const RunSnapshot* rw = app.session->sync()->find_run("RW");
    done = rw && rw->state == RunState::finished;
    if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(done) << "the random walk did not finish while HMC was held";
  // The random walk finished while HMC, held, has not moved without the UI's steps.
  app.session->sync();
  imgui.frame(app);
  EXPECT_TRUE(app.snap->find_run("HMC")->held);
  EXPECT_LT(app.snap->find_run("HMC")->iteration, 5);
  // Each animation of 4 frames ends with one StepRun: about one iteration per 4–6 frames.
  const std::int64_t before = app.snap->find_run("HMC")->iteration;
  for (int f = 0; f < 60; ++f) {
    imgui.frame(app);
    app.session->sync();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // plots refresh every 0.4 s
  }
  const std::int64_t moved = app.snap->find_run("HMC")->iteration - before;
  EXPECT_GE(moved, 5);
  EXPECT_LE(moved, 16);
  // The chain methods publish diagnostics, and the metrics panel lays out their row.
  EXPECT_TRUE(app.rects.count("plot:rhat"));
  EXPECT_TRUE(app.rects.count("plot:ess_per_grad"));
  s.on = false;
  set_slow_motion(app, app.snap->find_run("HMC")->id, s);
  app.session->sync();
  imgui.frame(app);
  EXPECT_FALSE(app.snap->find_run("HMC")->held);
}

}  // namespace
}  // namespace ss::ui
