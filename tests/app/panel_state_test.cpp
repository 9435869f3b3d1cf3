// Panel state (app/ui/panel_state.h): every panel's state is owned by its AppState, so two
// AppStates share none of it, and the caches keyed by RunId forget the runs that were removed
// instead of growing with every run ever added.
#include "app/ui/panel_state.h"

#include <gtest/gtest.h>
#include <imgui.h>

#include <chrono>
#include <thread>

#include "app/ui/app_state.h"
#include "app/ui/slow_motion.h"
#include "headless_imgui.h"

namespace ss::ui {
namespace {

using testing::HeadlessImGui;

// A small scenario: the banana with one HMC run (a slow-motion kind), at most 50 iterations.
Scenario small_scenario() {
  Scenario sc;
  sc.name = "panel state test";
  sc.seed = 5;
  sc.target.kind = "banana";
  sc.methods = {MethodConfig{"hmc", "HMC", {{"chains", 20}}, true}};
  sc.budget = Budget{BudgetKind::iterations, 50};
  sc.metrics.every = 10;
  sc.metrics.ksd_samples = 100;
  return sc;
}

// Syncs until the session has a reference (the canvases then draw their runs' overlays).
void wait_for_reference(AppState& app) {
  for (int k = 0; k < 3000; ++k) {  // ≤ 30 s
    if (app.session->sync()->reference) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << "no reference after 30 s";
}

RunSnapshot run_with_id(RunId id) {
  RunSnapshot r;
  r.id = id;
  r.label = "run " + std::to_string(id);
  return r;
}

TEST(PanelState, ForgetRemovedRunsDropsEveryEntryOfARunNotInTheSnapshot) {
  PanelState p;
  for (const RunId id : {1, 2, 3}) {
    p.canvas.layers[id];
    p.canvas.uploads.overlays[id];
    p.canvas.uploads.overlay_max[id] = 1;
    p.canvas.uploads.arrows[id];
    p.canvas.uploads.models[id];
    p.slow_motion.runs[id];
  }
  p.canvas.uploads.arrows[7];  // only in one cache
  Snapshot s;
  s.runs = {run_with_id(2)};
  EXPECT_EQ(forget_removed_runs(p, s), (std::vector<RunId>{1, 3, 7}));
  EXPECT_EQ(p.canvas.uploads.overlay_max.size(), 1u);
  EXPECT_EQ(p.canvas.layers.size(), 1u);
  EXPECT_TRUE(p.canvas.layers.count(2));
  EXPECT_EQ(p.canvas.uploads.overlays.size(), 1u);
  EXPECT_EQ(p.canvas.uploads.arrows.size(), 1u);
  EXPECT_TRUE(p.canvas.uploads.arrows.count(2));
  EXPECT_EQ(p.canvas.uploads.models.size(), 1u);
  EXPECT_EQ(p.slow_motion.runs.size(), 1u);
  EXPECT_TRUE(p.slow_motion.runs.count(2));
  // Nothing more to forget; an empty snapshot forgets everything.
  EXPECT_TRUE(forget_removed_runs(p, s).empty());
  EXPECT_EQ(forget_removed_runs(p, Snapshot{}), (std::vector<RunId>{2}));
  EXPECT_TRUE(p.canvas.uploads.arrows.empty());
  EXPECT_TRUE(p.slow_motion.runs.empty());
}

// Runs added and removed many times: the score-arrow cache of the canvases (filled headless for
// every run whose overlay has arrows: DFT's learned score) and the slow-motion settings hold the
// live runs only. Before panel state moved into AppState they kept every run ever drawn.
TEST(PanelState, CachesKeyedByRunIdForgetRemovedRuns) {
  HeadlessImGui imgui;
  AppState app;
  app.headless = true;
  app.session = std::make_unique<Session>(small_scenario());
  wait_for_reference(app);
  imgui.frame(app);
  const RunId hmc = app.snap->find_run("HMC")->id;
  for (int cycle = 0; cycle < 4; ++cycle) {
    app.session->post(cmd::AddRun{MethodConfig{"dft", "DFT", {}, true}});
    app.session->post(cmd::AddRun{MethodConfig{"rwmh", "RW", {{"chains", 20}}, true}});
    app.session->post(cmd::Step{1});
    app.session->sync();
    imgui.frame(app);
    const RunSnapshot* dft = app.snap->find_run("DFT");
    const RunSnapshot* rw = app.snap->find_run("RW");
    ASSERT_TRUE(dft && rw);
    ASSERT_TRUE(dft->overlay && dft->overlay->arrow_origins.rows() > 0)
        << "DFT published no score arrows: the test would not exercise the arrow cache";
    EXPECT_TRUE(app.panels.canvas.uploads.arrows.count(dft->id)) << "cycle " << cycle;
    SlowMotionSettings on;
    on.on = true;
    set_slow_motion(app, rw->id, on);
    EXPECT_TRUE(slow_motion_settings(app, rw->id).on);
    const RunId dft_id = dft->id, rw_id = rw->id;
    app.session->post(cmd::RemoveRun{dft_id});
    app.session->post(cmd::RemoveRun{rw_id});
    app.session->sync();
    imgui.frame(app);
    ASSERT_EQ(app.snap->runs.size(), 1u);
    EXPECT_FALSE(app.panels.canvas.uploads.arrows.count(dft_id)) << "cycle " << cycle;
    EXPECT_FALSE(app.panels.slow_motion.runs.count(rw_id)) << "cycle " << cycle;
    EXPECT_FALSE(slow_motion_settings(app, rw_id).on);
  }
  for (const auto& [id, arrows] : app.panels.canvas.uploads.arrows) EXPECT_EQ(id, hmc);
  EXPECT_TRUE(app.panels.slow_motion.runs.empty());
  app.session.reset();
}

// Two AppStates (two windows, two tests in one process) on sessions of their own: the same run id
// names a different run in each, and the panels' state of one is not the other's.
TEST(PanelState, TwoAppStatesDoNotSharePanelState) {
  HeadlessImGui imgui;
  AppState a, b;
  a.headless = b.headless = true;
  a.session = std::make_unique<Session>(small_scenario());
  b.session = std::make_unique<Session>(small_scenario());
  wait_for_reference(a);
  wait_for_reference(b);
  imgui.frame(a);
  imgui.frame(b);
  const RunId id = a.snap->find_run("HMC")->id;
  ASSERT_EQ(b.snap->find_run("HMC")->id, id);  // both sessions number their runs from 1
  SlowMotionSettings on;
  on.on = true;
  on.frames = 12;
  set_slow_motion(a, id, on);
  EXPECT_TRUE(slow_motion_settings(a, id).on);
  EXPECT_EQ(slow_motion_settings(a, id).frames, 12);
  EXPECT_FALSE(slow_motion_settings(b, id).on);
  EXPECT_EQ(slow_motion_settings(b, id).frames, SlowMotionSettings{}.frames);
  imgui.frame(a);
  imgui.frame(b);
  // b's HMC was never held: only a's session got the HoldRun.
  EXPECT_TRUE(a.session->sync()->find_run("HMC")->held);
  EXPECT_FALSE(b.session->sync()->find_run("HMC")->held);
  a.session.reset();
  b.session.reset();
}

}  // namespace
}  // namespace ss::ui
