// Session behaviour with a toy Langevin sampler ("walker", tests/engine/toy_sampler.h) on a
// two-component Gaussian mixture. Small sizes (32 particles, 64² reference grid) keep every test
// fast enough for the ThreadSanitizer pass of `make test`.
#include "core/engine/session.h"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "core/metrics/iid_baseline.h"
#include "core/metrics/ksd.h"
#include "core/metrics/mode_coverage.h"
#include "engine/toy_sampler.h"
#include "engine/wait.h"

namespace ss {
namespace {

using testing::run_to_end;
using testing::walker_catalog;
using testing::walker_scenario;

SessionOptions test_options(int threads = 1, Scheduling scheduling = Scheduling::wall_time) {
  SessionOptions o;
  o.threads = threads;
  o.scheduling = scheduling;
  o.reference_resolution = 64;
  o.snapshot_interval = 0.005;
  o.max_curve_points = 0;
  o.methods = walker_catalog();
  return o;
}

void expect_same_points(const Points& a, const Points& b) {
  ASSERT_EQ(a.rows(), b.rows());
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (int j = 0; j < 2; ++j) ASSERT_EQ(a(i, j), b(i, j)) << "row " << i;
}

void expect_same_curves(const RunSnapshot& a, const RunSnapshot& b) {
  ASSERT_EQ(a.curves.size(), b.curves.size());
  for (const auto& [name, curve] : a.curves) {
    ASSERT_TRUE(b.curves.count(name)) << name;
    const Curve& other = *b.curves.at(name);
    ASSERT_EQ(curve->size(), other.size()) << name;
    for (size_t k = 0; k < curve->size(); ++k) {
      EXPECT_EQ((*curve)[k].iteration, other[k].iteration) << name;
      EXPECT_EQ((*curve)[k].gradient_evals, other[k].gradient_evals) << name;
      EXPECT_EQ((*curve)[k].value, other[k].value) << name << " at " << k;
    }
  }
}

// Consistency of one snapshot on its own.
void check_snapshot(const Snapshot& s, int display_cap) {
  std::set<RunId> ids;
  for (const auto& r : s.runs) {
    ASSERT_TRUE(ids.insert(r.id).second) << "duplicate run id";
    ASSERT_TRUE(r.display_samples);
    ASSERT_TRUE(r.overlay);
    ASSERT_LE(r.display_samples->rows(), display_cap);
    // Views exist from the first snapshot of a run on, never run ahead of it, and are current
    // once it stops.
    ASSERT_GE(r.display_iteration, 0);
    ASSERT_LE(r.display_iteration, r.iteration);
    if (r.state != RunState::running) {
      ASSERT_EQ(r.display_iteration, r.iteration) << r.label;
    }
    for (const auto& [name, curve] : r.curves) {
      ASSERT_TRUE(curve);
      for (size_t k = 0; k < curve->size(); ++k) {
        ASSERT_LE((*curve)[k].iteration, r.iteration) << name;
        if (k) {
          ASSERT_LT((*curve)[k - 1].iteration, (*curve)[k].iteration) << name;
        }
      }
    }
    ASSERT_GE(r.budget_fraction, 0.0);
    ASSERT_LE(r.budget_fraction, 1.0);
    if (r.state == RunState::diverged) {
      ASSERT_TRUE(r.status.diverged);
    }
  }
  ASSERT_TRUE(s.scenario);
  ASSERT_TRUE(s.target);
  ASSERT_EQ(s.scenario->methods.size(), s.runs.size());
  for (size_t i = 0; i < s.runs.size(); ++i)
    ASSERT_EQ(s.scenario->methods[i].label, s.runs[i].label);
}

TEST(Session, RunsToBudgetWithMetricCadence) {
  Session s(walker_scenario(2, 100), test_options());
  auto snap = run_to_end(s);
  EXPECT_FALSE(snap->running);
  ASSERT_TRUE(snap->reference);
  EXPECT_TRUE(std::isfinite(snap->ksd2_iid_mean));
  EXPECT_GT(snap->ksd2_iid_mean, 0);
  ASSERT_EQ(snap->runs.size(), 2u);
  for (const auto& r : snap->runs) {
    EXPECT_EQ(r.iteration, 100);
    EXPECT_EQ(r.state, RunState::finished);
    EXPECT_EQ(r.counters.gradient_evals(), 100u * 32u);
    // Passes at 0, 10, ..., 100.
    EXPECT_EQ(r.metric_evaluations, 11);
    for (const char* name : {"ksd2_imq", "ksd2_imq_iid", "ksd2_imq_u", "ksd2_imq_u_iid",
                             "energy_distance", "mode_tv", "modes_missed", "mean_x"}) {
      ASSERT_TRUE(r.curves.count(name)) << name;
      const Curve& c = *r.curves.at(name);
      ASSERT_EQ(c.size(), 11u) << name;
      for (size_t k = 0; k < c.size(); ++k) {
        EXPECT_EQ(c[k].iteration, std::int64_t(10 * k));
        EXPECT_EQ(c[k].gradient_evals, std::uint64_t(10 * k * 32));
        if (k) {
          EXPECT_GE(c[k].sampler_seconds, c[k - 1].sampler_seconds);
        }
      }
    }
    ASSERT_TRUE(r.evaluation_samples);
    EXPECT_EQ(r.evaluation_samples->rows(), 32);
    ASSERT_EQ(r.mode_fractions.size(), snap->reference->regions().size());
    double total = 0;
    for (double f : r.mode_fractions) total += f;
    EXPECT_NEAR(total, 1.0, 1e-12);
  }
  check_snapshot(*snap, test_options().display_points);
}

// The engine has no metric code of its own: its curves and baseline are the core/metrics
// functions evaluated on the same inputs (the published evaluation samples, the published
// reference and the seed documented at SessionOptions::reference_seed_stream). Exact equality:
// same inputs, same deterministic functions.
void expect_library_values(const Scenario& sc, const SessionOptions& o, const Snapshot& snap) {
  const std::uint64_t r = derive_seed(sc.seed, o.reference_seed_stream);
  const IidBaseline baseline = ksd2_imq_iid_baseline(*snap.reference, sc.metrics.ksd_samples,
                                                     sc.metrics.iid_draws, derive_seed(r, 1));
  EXPECT_EQ(snap.ksd2_iid_mean, baseline.mean);
  EXPECT_EQ(snap.ksd2_iid_std, baseline.stddev);
  const KsdIidBaselines both = ksd_imq_iid_baselines(*snap.reference, sc.metrics.ksd_samples,
                                                     sc.metrics.iid_draws, derive_seed(r, 1));
  EXPECT_EQ(both.v.values, baseline.values);
  EXPECT_EQ(snap.ksd2_u_iid_rms, both.u.rms);
  EXPECT_EQ(snap.ksd2_u_iid_mean, both.u.mean);
  EXPECT_EQ(snap.ksd2_u_iid_std, both.u.stddev);

  for (const auto& run : snap.runs) {
    ASSERT_TRUE(run.evaluation_samples);
    const Points& x = *run.evaluation_samples;
    const ModeCoverage coverage = mode_coverage(*snap.reference, x);
    EXPECT_EQ(run.curves.at("mode_tv")->back().value, coverage.total_variation);
    EXPECT_EQ(run.curves.at("modes_missed")->back().value, double(coverage.modes_missed));
    EXPECT_EQ(run.mode_fractions, coverage.sample_fraction);
    // Per-mode masses as curves mode_mass_1, mode_mass_2, ... (metrics.csv rows).
    ASSERT_GT(coverage.sample_fraction.size(), 1u);
    for (size_t k = 0; k < coverage.sample_fraction.size(); ++k)
      EXPECT_EQ(run.curves.at("mode_mass_" + std::to_string(k + 1))->back().value,
                coverage.sample_fraction[k]);
    EXPECT_FALSE(run.curves.count("mode_mass_0"));
    Points scores;
    snap.target->evaluate(x, nullptr, &scores, nullptr);
    EXPECT_EQ(run.curves.at("ksd2_imq")->back().value, ksd2_imq(x, scores));
    EXPECT_EQ(run.curves.at("ksd2_imq_iid")->back().value, baseline.mean);
    EXPECT_EQ(run.curves.at("ksd2_imq_u")->back().value, ksd_imq(x, scores).u);
    EXPECT_EQ(run.curves.at("ksd2_imq_u_iid")->back().value, both.u.rms);
  }
}

TEST(Session, MetricValuesAreTheMetricsLibraryFunctions) {
  const Scenario sc = walker_scenario(2, 40);
  const SessionOptions o = test_options();
  Session s(sc, o);
  auto snap = run_to_end(s);
  ASSERT_TRUE(snap->reference);
  // The metric functions give the same values for any thread count; one thread keeps TBB's
  // uninstrumented work stealing out of the ThreadSanitizer pass (see session.cpp).
  tbb::task_arena one_thread(1);
  one_thread.execute([&] { expect_library_values(sc, o, *snap); });
}

TEST(Session, SameSeedSameResultsAcrossThreadsAndScheduling) {
  Session a(walker_scenario(3, 60), test_options(1, Scheduling::wall_time));
  Session b(walker_scenario(3, 60), test_options(2, Scheduling::round_robin));
  Session c(walker_scenario(3, 60), test_options(2, Scheduling::gradient_evals));
  auto sa = run_to_end(a), sb = run_to_end(b), sc = run_to_end(c);
  for (size_t i = 0; i < 3; ++i) {
    expect_same_points(*sa->runs[i].evaluation_samples, *sb->runs[i].evaluation_samples);
    expect_same_points(*sa->runs[i].evaluation_samples, *sc->runs[i].evaluation_samples);
    expect_same_curves(sa->runs[i], sb->runs[i]);
    expect_same_curves(sa->runs[i], sc->runs[i]);
  }
  // Different labels give different seeds, hence different trajectories.
  EXPECT_NE(sa->runs[0].seed, sa->runs[1].seed);
  EXPECT_NE((*sa->runs[0].display_samples)(0, 0), (*sa->runs[1].display_samples)(0, 0));
}

TEST(Session, ResetReplaysTheSameTrajectory) {
  Session s(walker_scenario(2, 1000), test_options());
  s.post(cmd::Step{30});
  auto snap = testing::sync_until(s, [](const Snapshot& n) { return !n.running; });
  ASSERT_EQ(snap->runs[0].iteration, 30);
  const Points after30 = *snap->runs[0].display_samples;
  const Points other30 = *snap->runs[1].display_samples;

  // Reset one run: it restarts at 0; the other keeps its state.
  s.post(cmd::Reset{snap->runs[0].id});
  snap = s.sync();
  EXPECT_EQ(snap->runs[0].iteration, 0);
  EXPECT_EQ(snap->runs[0].counters.gradient_evals(), 0u);
  EXPECT_EQ(snap->runs[1].iteration, 30);
  s.post(cmd::Step{30});
  snap = testing::sync_until(s, [](const Snapshot& n) { return !n.running; });
  EXPECT_EQ(snap->runs[0].iteration, 30);
  EXPECT_EQ(snap->runs[1].iteration, 60);
  expect_same_points(*snap->runs[0].display_samples, after30);

  // A fresh session gives the same positions too.
  Session fresh(walker_scenario(2, 1000), test_options(2));
  fresh.post(cmd::Step{30});
  auto f = testing::sync_until(fresh, [](const Snapshot& n) { return !n.running; });
  expect_same_points(*f->runs[0].display_samples, after30);
  expect_same_points(*f->runs[1].display_samples, other30);
}

TEST(Session, ReseedChangesAndRestoresTrajectories) {
  Session s(walker_scenario(1, 20), test_options());
  const Points original = *run_to_end(s)->runs[0].evaluation_samples;
  s.post(cmd::Reseed{8});
  auto snap = run_to_end(s);
  EXPECT_EQ(snap->scenario->seed, 8u);
  EXPECT_EQ(snap->runs[0].iteration, 20);
  EXPECT_NE((*snap->runs[0].evaluation_samples)(0, 0), original(0, 0));
  s.post(cmd::Reseed{7});
  snap = run_to_end(s);
  expect_same_points(*snap->runs[0].evaluation_samples, original);
}

TEST(Session, BudgetsStopWhereTheyShould) {
  {  // gradient evaluations: 32 per step, budget 801 → the first step reaching it is 26 (832).
    Scenario sc = walker_scenario(1, 1);
    sc.budget = {BudgetKind::gradient_evals, 801};
    Session s(sc, test_options());
    auto snap = run_to_end(s);
    EXPECT_EQ(snap->runs[0].iteration, 26);
    EXPECT_EQ(snap->runs[0].counters.gradient_evals(), 832u);
    // The final metric pass happens at the stopping iteration, off the cadence of 10.
    EXPECT_EQ(snap->runs[0].curves.at("ksd2_imq")->back().iteration, 26);
  }
  {  // seconds of sampler time: stops at the first step that crosses it.
    Scenario sc = walker_scenario(1, 1);
    sc.budget = {BudgetKind::seconds, 0.02};
    Session s(sc, test_options());
    auto snap = run_to_end(s);
    EXPECT_GE(snap->runs[0].sampler_seconds, 0.02);
    EXPECT_GT(snap->runs[0].iteration, 0);
  }
  {  // raising the budget lets Start continue finished runs.
    Session s(walker_scenario(1, 10), test_options());
    EXPECT_EQ(run_to_end(s)->runs[0].iteration, 10);
    s.post(cmd::SetBudget{{BudgetKind::iterations, 25}});
    auto snap = run_to_end(s);
    EXPECT_EQ(snap->runs[0].iteration, 25);
    // An invalid budget is refused with an error message naming the field.
    s.post(cmd::SetBudget{{BudgetKind::iterations, -3}});
    snap = s.sync();
    EXPECT_EQ(snap->scenario->budget.amount, 25);
    ASSERT_FALSE(snap->messages.empty());
    EXPECT_NE(snap->messages.back().text.find("/budget/iterations"), std::string::npos)
        << snap->messages.back().text;
  }
}

// A Step that asks for more iterations than the budget has left ends at the budget, and the
// session then reports finished and not running (it must not wait for the unreachable target).
TEST(Session, StepBeyondTheBudgetFinishes) {
  Session s(walker_scenario(2, 20), test_options());
  s.post(cmd::Step{50});
  auto snap = s.wait_finished(60);
  ASSERT_TRUE(snap->finished);
  EXPECT_FALSE(snap->running);
  for (const auto& r : snap->runs) {
    EXPECT_EQ(r.iteration, 20);
    EXPECT_EQ(r.state, RunState::finished);
  }
  check_snapshot(*snap, test_options().display_points);
}

TEST(Session, HeldRunAdvancesOnlyByStepRunWhileTheOthersRun) {
  // Slow motion's engine side: a held run is skipped by Start but advanced by StepRun.
  Session s(walker_scenario(2, 40), test_options());
  auto snap = s.sync();
  const RunId held = snap->runs[0].id, free = snap->runs[1].id;
  s.post(cmd::HoldRun{held, true});
  s.post(cmd::Start{});
  snap = testing::sync_until(
      s, [&](const Snapshot& n) { return n.find_run(free)->state == RunState::finished; });
  ASSERT_EQ(snap->find_run(free)->state, RunState::finished);
  EXPECT_TRUE(snap->find_run(held)->held);
  EXPECT_EQ(snap->find_run(held)->iteration, 0);
  EXPECT_EQ(snap->find_run(held)->state, RunState::paused);
  s.post(cmd::StepRun{held, 3});
  snap =
      testing::sync_until(s, [&](const Snapshot& n) { return n.find_run(held)->iteration >= 3; });
  EXPECT_EQ(snap->find_run(held)->iteration, 3);
  EXPECT_EQ(snap->find_run(free)->iteration, 40);
  // Released, it runs to its budget like the others.
  s.post(cmd::HoldRun{held, false});
  s.post(cmd::Start{});
  snap = s.wait_finished(60);
  ASSERT_TRUE(snap->finished);
  EXPECT_EQ(snap->find_run(held)->iteration, 40);
  s.post(cmd::StepRun{held, 0});  // an error, reported, nothing changes
  snap = s.sync();
  EXPECT_EQ(snap->find_run(held)->iteration, 40);
}

TEST(Session, DivergenceStopsOneRunOnly) {
  Scenario sc = walker_scenario(3, 50);
  sc.methods[0].params["explode_at"] = 15;
  sc.methods[1].params["throw_at"] = 7;
  SessionOptions o = test_options(1, Scheduling::round_robin);
  // The walker does not report its NaN positions itself: only the per-step display check sees
  // them at the exact step (the default check is in DivergenceWithoutPerStepCheck below).
  o.check_display_every_step = true;
  Session s(sc, o);
  auto snap = run_to_end(s);
  const RunSnapshot& exploded = snap->runs[0];
  EXPECT_EQ(exploded.state, RunState::diverged);
  EXPECT_TRUE(exploded.status.diverged);
  EXPECT_EQ(exploded.status.iteration, 15);
  EXPECT_NE(exploded.status.reason.find("non-finite"), std::string::npos);
  const RunSnapshot& threw = snap->runs[1];
  EXPECT_EQ(threw.state, RunState::diverged);
  EXPECT_EQ(threw.iteration, 6);
  EXPECT_NE(threw.status.reason.find("walker failed on purpose"), std::string::npos);
  EXPECT_EQ(snap->runs[2].state, RunState::finished);
  EXPECT_EQ(snap->runs[2].iteration, 50);
}

// Default options: the display is checked when it is refreshed and the evaluation samples at each
// metric pass (every 10 iterations here), so a sampler that does not report its own NaN positions
// is stopped between the step that made them (15) and the next metric pass (20), not later.
TEST(Session, DivergenceWithoutPerStepCheck) {
  Scenario sc = walker_scenario(2, 50);
  sc.methods[0].params["explode_at"] = 15;
  SessionOptions o = test_options(1, Scheduling::round_robin);
  ASSERT_FALSE(o.check_display_every_step);
  Session s(sc, o);
  auto snap = run_to_end(s);
  const RunSnapshot& exploded = snap->runs[0];
  EXPECT_EQ(exploded.state, RunState::diverged);
  EXPECT_GE(exploded.status.iteration, 15);
  EXPECT_LE(exploded.status.iteration, 20);
  EXPECT_EQ(exploded.iteration, exploded.status.iteration);
  EXPECT_NE(exploded.status.reason.find("non-finite"), std::string::npos);
  EXPECT_EQ(snap->runs[1].state, RunState::finished);
  EXPECT_EQ(snap->runs[1].iteration, 50);
  check_snapshot(*snap, o.display_points);
}

// Defect 4 of issue 19: a run whose samples leave the view box far behind (finite, no NaN) stops
// as diverged at the next view refresh or metric pass, with a reason; the other run goes on.
TEST(Session, EscapedSamplesStopTheRunWithAReason) {
  Scenario sc = walker_scenario(2, 50);
  sc.methods[0].params["escape_at"] = 15;
  SessionOptions o = test_options(1, Scheduling::round_robin);
  Session s(sc, o);
  auto snap = run_to_end(s);
  const RunSnapshot& escaped = snap->runs[0];
  EXPECT_EQ(escaped.state, RunState::diverged);
  EXPECT_GE(escaped.status.iteration, 15);
  EXPECT_LE(escaped.status.iteration, 20);  // the metric pass at 20 checks at the latest
  EXPECT_NE(escaped.status.reason.find("escaped far outside the view box"), std::string::npos)
      << escaped.status.reason;
  EXPECT_EQ(snap->runs[1].state, RunState::finished);
  EXPECT_EQ(snap->runs[1].iteration, 50);
  check_snapshot(*snap, o.display_points);
}

// Defect 2 of issue 19: with a metric pass every iteration the curves in memory stay under the
// cap while spanning the whole history evenly, and the pass callback still sees every pass.
TEST(Session, CurvesStayBoundedAndEvenWithAPassEveryIteration) {
  Scenario sc = walker_scenario(1, 10000);
  sc.metrics.every = 1;
  SessionOptions o = test_options(1, Scheduling::round_robin);
  o.max_curve_points = 256;
  std::atomic<std::int64_t> passes{0};
  o.on_metric_pass = [&](const std::string&, const std::string&, const MetricPass& p) {
    EXPECT_FALSE(p.values.empty());
    ++passes;
  };
  Session s(sc, o);
  auto snap = run_to_end(s);
  EXPECT_EQ(passes.load(), 10001);  // iterations 0 ... 10000
  for (const auto& [name, curve] : snap->runs[0].curves) {
    ASSERT_LE(curve->size(), 256u) << name;
    EXPECT_EQ(curve->front().iteration, 0) << name;
    EXPECT_EQ(curve->back().iteration, 10000) << name;
    std::int64_t widest = 0;
    for (size_t k = 1; k < curve->size(); ++k)
      widest = std::max(widest, (*curve)[k].iteration - (*curve)[k - 1].iteration);
    EXPECT_LE(widest, 8 * 10000 / 256) << name;
  }
}

TEST(Session, ParametersAreValidatedAndNeedsResetKnobsRestart) {
  Session s(walker_scenario(1, 1000), test_options());
  const RunId id = s.snapshot()->runs[0].id;
  s.post(cmd::Step{5});
  s.post(cmd::SetParam{id, "step_size", -1.0});
  auto snap = s.sync();
  EXPECT_EQ(snap->runs[0].params.at("step_size"), 0.01);
  EXPECT_NE(snap->runs[0].last_error.find("step_size"), std::string::npos);
  s.post(cmd::SetParam{id, "no_such_knob", 1.0});
  snap = s.sync();
  EXPECT_NE(snap->runs[0].last_error.find("no_such_knob"), std::string::npos);

  s.post(cmd::SetParam{id, "step_size", 0.02});
  snap = s.sync();
  EXPECT_EQ(snap->runs[0].params.at("step_size"), 0.02);
  EXPECT_EQ(snap->scenario->methods[0].params.at("step_size"), 0.02);
  EXPECT_TRUE(snap->runs[0].last_error.empty());

  snap = testing::sync_until(s, [](const Snapshot& n) { return !n.running; });
  EXPECT_EQ(snap->runs[0].iteration, 5);
  s.post(cmd::SetParam{id, "particles", 48});  // needs_reset: the run restarts with 48 particles
  snap = s.sync();
  EXPECT_EQ(snap->runs[0].iteration, 0);
  EXPECT_EQ(snap->runs[0].display_samples->rows(), 48);
}

TEST(Session, AddRemoveEnableRename) {
  Session s(walker_scenario(1, 20), test_options());
  s.post(cmd::AddRun{{"walker", "w1", {}, true}});  // duplicate label → "w1 2"
  s.post(cmd::AddRun{{"nope", "x", {}, true}});     // unknown kind → error, nothing added
  auto snap = s.sync();
  ASSERT_EQ(snap->runs.size(), 2u);
  EXPECT_EQ(snap->runs[1].label, "w1 2");
  EXPECT_EQ(snap->scenario->methods.size(), 2u);
  EXPECT_NE(snap->messages.back().text.find("nope"), std::string::npos);
  const RunId added = snap->runs[1].id, first = snap->runs[0].id;
  EXPECT_NE(added, first);

  s.post(cmd::SetRunEnabled{first, false});
  snap = run_to_end(s);
  EXPECT_EQ(snap->runs[0].state, RunState::disabled);
  EXPECT_EQ(snap->runs[0].iteration, 0);
  EXPECT_EQ(snap->runs[1].iteration, 20);
  EXPECT_FALSE(snap->scenario->methods[0].enabled);

  s.post(cmd::SetLabel{added, "w1"});  // taken → refused
  s.post(cmd::SetLabel{first, "renamed"});
  s.post(cmd::RemoveRun{added});
  s.post(cmd::RemoveRun{12345});
  snap = s.sync();
  ASSERT_EQ(snap->runs.size(), 1u);
  EXPECT_EQ(snap->runs[0].label, "renamed");
  EXPECT_EQ(snap->scenario->methods[0].label, "renamed");
  EXPECT_NE(snap->messages.back().text.find("12345"), std::string::npos);
}

TEST(Session, ChangeTargetKeepsRunsGoingOnTheNewTarget) {
  Session s(walker_scenario(1, 100000), test_options());
  s.post(cmd::Start{});
  TargetSpec donut;
  donut.kind = "donut";
  s.post(cmd::ChangeTarget{donut});
  TargetSpec bad;
  bad.kind = "no_such_target";
  s.post(cmd::ChangeTarget{bad});
  auto snap = testing::sync_until(
      s, [](const Snapshot& n) { return n.target->kind() == "donut" && n.runs[0].iteration > 0; });
  EXPECT_EQ(snap->target->kind(), "donut");
  ASSERT_TRUE(snap->reference);
  EXPECT_EQ(snap->reference->target().kind(), "donut");
  EXPECT_EQ(snap->scenario->target.kind, "donut");
  bool reported = false;
  for (const auto& m : snap->messages)
    reported = reported || m.text.find("no_such_target") != std::string::npos;
  EXPECT_TRUE(reported);
  const std::int64_t before = snap->runs[0].iteration;
  snap = testing::sync_until(s, [&](const Snapshot& n) { return n.runs[0].iteration > before; });
  ASSERT_GT(snap->runs[0].iteration, before);
  EXPECT_NE(snap->runs[0].state, RunState::diverged);
  s.post(cmd::Pause{});
  EXPECT_FALSE(s.sync()->running);
}

// Live mode (cmd::ChangeTarget::restart): finished runs are reset and run again on the new
// target; no snapshot pairs the new target's reference with the old target's samples or curves.
TEST(Session, ChangeTargetWithRestartRerunsFinishedRunsOnTheNewTarget) {
  Session s(walker_scenario(2, 40), test_options());
  auto before = run_to_end(s);
  const std::shared_ptr<const Points> old_samples = before->runs[0].display_samples;
  TargetSpec donut;
  donut.kind = "donut";
  s.post(cmd::ChangeTarget{donut, true});
  std::shared_ptr<const Snapshot> snap;
  bool switched = false;
  for (const auto end = testing::deadline(); !switched && std::chrono::steady_clock::now() < end;) {
    snap = s.snapshot();
    if (snap->reference && snap->reference->target().kind() == "donut") {
      switched = true;
      // The first snapshot seen with the new reference: every run was reset with it, so no
      // sample set, curve point or metric pass of the gmm runs is shown with the donut.
      for (const auto& r : snap->runs) EXPECT_NE(r.display_samples, old_samples);
      EXPECT_TRUE(snap->running || snap->finished);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ASSERT_TRUE(switched);
  snap = s.wait_finished(120);
  ASSERT_TRUE(snap->finished);
  for (const auto& r : snap->runs) {
    EXPECT_EQ(r.iteration, 40) << r.label;  // run again to the budget on the donut
    EXPECT_EQ(r.state, RunState::finished);
  }
  // Ran again: the samples are the donut run's, not the ones kept from the mixture.
  EXPECT_NE(snap->runs[0].display_samples, old_samples);
  for (const auto& r : snap->runs) EXPECT_EQ(r.state_target, snap->target) << r.label;
  // Its KSD curve was computed against the donut: different values from the mixture's.
  const auto& ksd_new = *snap->runs[0].curves.at("ksd2_imq");
  const auto& ksd_old = *before->runs[0].curves.at("ksd2_imq");
  ASSERT_FALSE(ksd_new.empty());
  EXPECT_NE(ksd_new.back().value, ksd_old.back().value);
}

// A session paused in the middle of its runs stays paused; its runs are reset on the new target.
TEST(Session, ChangeTargetWithRestartKeepsAPausedSessionPaused) {
  Session s(walker_scenario(1, 1000), test_options());
  s.post(cmd::Step{5});
  auto snap = s.sync();
  snap = testing::sync_until(s, [](const Snapshot& n) { return n.runs[0].iteration >= 5; });
  ASSERT_EQ(snap->runs[0].iteration, 5);
  TargetSpec donut;
  donut.kind = "donut";
  s.post(cmd::ChangeTarget{donut, true});
  snap = testing::sync_until(
      s, [](const Snapshot& n) { return n.reference && n.reference->target().kind() == "donut"; });
  ASSERT_EQ(snap->reference->target().kind(), "donut");
  EXPECT_EQ(snap->runs[0].iteration, 0);
  EXPECT_FALSE(snap->running);
}

// Without `restart` a target change keeps the finished runs as they are (the old behaviour).
TEST(Session, ChangeTargetWithoutRestartLeavesFinishedRunsAlone) {
  Session s(walker_scenario(1, 30), test_options());
  run_to_end(s);
  TargetSpec donut;
  donut.kind = "donut";
  s.post(cmd::ChangeTarget{donut});
  auto snap = testing::sync_until(
      s, [](const Snapshot& n) { return n.reference && n.reference->target().kind() == "donut"; });
  EXPECT_EQ(snap->runs[0].iteration, 30);
  EXPECT_FALSE(snap->running);
  // Its samples were made on the old target, and the snapshot says so.
  ASSERT_TRUE(snap->runs[0].state_target);
  EXPECT_NE(snap->runs[0].state_target, snap->target);
  EXPECT_EQ(snap->runs[0].state_target->kind(), "gmm");
}

TEST(Session, GradientEvalSchedulingIsFairInGradientEvaluations) {
  Scenario sc = walker_scenario(2, 1e9);
  sc.methods[1].params["particles"] = 96;  // three times the cost per step
  Session s(sc, test_options(1, Scheduling::gradient_evals));
  s.post(cmd::Start{});
  auto snap = testing::sync_until(s, [](const Snapshot& n) { return n.runs[0].iteration >= 300; });
  ASSERT_GE(snap->runs[0].iteration, 300);
  s.post(cmd::Pause{});
  snap = s.sync();
  const double a = double(snap->runs[0].counters.gradient_evals());
  const double b = double(snap->runs[1].counters.gradient_evals());
  // Each pick goes to the run with fewer evaluations, so they differ by at most one step (96).
  EXPECT_LE(std::abs(a - b), 96.0);
  EXPECT_GT(snap->runs[0].iteration, 2 * snap->runs[1].iteration);
}

TEST(Session, LoadScenarioReplacesEverything) {
  Session s(walker_scenario(2, 10), test_options());
  run_to_end(s);
  Scenario other = walker_scenario(3, 5);
  other.name = "other";
  s.post(cmd::LoadScenario{other});
  Scenario invalid = walker_scenario(1, 5);
  invalid.methods.clear();
  s.post(cmd::LoadScenario{invalid});
  auto snap = run_to_end(s);
  EXPECT_EQ(snap->scenario->name, "other");
  ASSERT_EQ(snap->runs.size(), 3u);
  for (const auto& r : snap->runs) EXPECT_EQ(r.iteration, 5);
  EXPECT_GT(snap->runs[0].id, 2);  // ids are never reused
  bool reported = false;
  for (const auto& m : snap->messages)
    reported = reported || (m.level == SessionMessage::Level::error &&
                            m.text.find("/methods") != std::string::npos);
  EXPECT_TRUE(reported);
}

TEST(Session, RejectsInvalidScenarioUpFront) {
  Scenario sc = walker_scenario(1, 10);
  sc.methods[0].params["particles"] = -1;
  EXPECT_THROW(Session(sc, test_options()), ScenarioError);
}

TEST(Session, TenThousandRandomCommandsFromTwoThreads) {
  SessionOptions o = test_options(2, Scheduling::wall_time);
  o.display_points = 20;
  o.max_curve_points = 16;
  o.reference_resolution = 32;
  o.snapshot_interval = 0.001;
  Scenario sc = walker_scenario(3, 1e9);
  sc.metrics.every = 3;
  sc.metrics.ksd_samples = 16;
  Session s(sc, o);
  s.post(cmd::Start{});

  std::atomic<bool> done{false};
  std::atomic<int> snapshots_checked{0};
  std::thread reader([&] {
    std::uint64_t last_version = 0;
    while (!done) {
      auto snap = s.snapshot();
      ASSERT_GE(snap->version, last_version);
      last_version = snap->version;
      check_snapshot(*snap, o.display_points);
      ++snapshots_checked;
      std::this_thread::yield();
    }
  });

  auto writer = [&](unsigned seed) {
    std::mt19937 g(seed);
    for (int k = 0; k < 5000; ++k) {
      const RunId id = RunId(1 + g() % 12);  // some ids exist, many do not
      switch (g() % 16) {
        case 0:
          s.post(cmd::Start{});
          break;
        case 1:
          s.post(cmd::Pause{});
          break;
        case 2:
          s.post(cmd::Step{std::int64_t(g() % 5)});
          break;  // 0 is an error
        case 3:
          s.post(cmd::Reset{g() % 2 ? std::optional<RunId>(id) : std::nullopt});
          break;
        case 4:
          s.post(cmd::Reseed{g() % 4});
          break;
        case 5:
          s.post(
              cmd::SetParam{id, "step_size", (g() % 3 == 0) ? -1.0 : 0.005 + 0.001 * (g() % 10)});
          break;
        case 6:
          s.post(cmd::SetParam{id, "particles", double(8 + g() % 24)});
          break;
        case 7:
          s.post(cmd::AddRun{{"walker", "w", {{"particles", 16}}, true}});
          break;
        case 8:
          s.post(cmd::RemoveRun{id});
          break;
        case 9:
          s.post(cmd::SetRunEnabled{id, bool(g() % 2)});
          break;
        case 10:
          s.post(cmd::SetLabel{id, "l" + std::to_string(g() % 5)});
          break;
        case 11: {
          if (g() % 8) break;  // target changes are rarer (each computes a reference)
          TargetSpec t;
          t.kind = g() % 2 ? "donut" : "banana";
          s.post(cmd::ChangeTarget{t});
          break;
        }
        case 12:
          s.post(cmd::SetBudget{{BudgetKind::iterations, double(1 + g() % 100000)}});
          break;
        case 13: {
          MetricSettings m = sc.metrics;
          m.every = int(1 + g() % 5);
          s.post(cmd::SetMetrics{m});
          break;
        }
        case 14:
          if (g() % 50 == 0) s.post(cmd::LoadScenario{walker_scenario(2, 1e9)});
          break;
        default: {
          auto snap = s.snapshot();
          check_snapshot(*snap, o.display_points);
        }
      }
      if (k % 500 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  std::thread w1(writer, 1u), w2(writer, 2u);
  w1.join();
  w2.join();
  s.post(cmd::Pause{});
  auto snap = s.sync();  // every command applied: no deadlock
  done = true;
  reader.join();
  check_snapshot(*snap, o.display_points);
  EXPECT_FALSE(snap->running);
  EXPECT_GT(snapshots_checked.load(), 0);
  EXPECT_GT(snap->version, 1u);
}

TEST(Session, HelpersAreStable) {
  // FNV-1a test vectors.
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(run_seed(7, "w1"), derive_seed(7, fnv1a64("w1")));
  EXPECT_NE(run_seed(7, "w1"), run_seed(7, "w2"));
}

}  // namespace
}  // namespace ss
