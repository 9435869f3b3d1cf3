// Defect 4 of issue 19, end to end with the real samplers (Slow: ~10 s of CPU; the sanitizer
// passes skip it): on targets that throw samples far
// away (a stiff Gaussian, a `tan` formula, a heavy-tailed formula) no run ends `ok` with samples
// far outside the view box — each either stays inside the escape region (core/targets/escape.h)
// or stops as diverged with a reason — and a diverged run does not stop the others.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/engine/session.h"

namespace ss {
namespace {

Scenario formula_scenario(const std::string& expr, const Box& box, double iterations) {
  Scenario s;
  s.name = expr;
  s.seed = 3;
  s.target.kind = "formula";
  s.target.log_density = expr;
  s.target.box = box;
  // Small but real settings: each method does what it does at its defaults, on fewer points.
  s.methods = {{"svgd", "SVGD", {{"particles", 100}}, true},
               {"ula", "ULA", {}, true},
               {"mala", "MALA", {}, true},
               {"flowmc", "flowMC", {}, true},
               {"dft", "DFT", {}, true}};
  s.budget = {BudgetKind::iterations, iterations};
  s.metrics.ksd_samples = 100;
  s.metrics.every = 20;
  s.metrics.iid_draws = 1;
  return s;
}

// Points farther than 1000 × the box's larger half-side from its centre, or non-finite: written
// out here rather than calling escape_reason, so the test does not trust the code it checks.
int far_outside(const Points& p, const Box& box) {
  const double cx = 0.5 * (box.xmin + box.xmax), cy = 0.5 * (box.ymin + box.ymax);
  const double limit = 1000 * 0.5 * std::max(box.xmax - box.xmin, box.ymax - box.ymin);
  int n = 0;
  for (Eigen::Index i = 0; i < p.rows(); ++i)
    n += !(std::abs(p(i, 0) - cx) <= limit && std::abs(p(i, 1) - cy) <= limit);
  return n;
}

struct Outcome {
  int diverged = 0, ok = 0;
};

Outcome run_and_check(const Scenario& sc) {
  SessionOptions o;
  o.threads = 1;
  o.scheduling = Scheduling::round_robin;
  o.reference_resolution = 96;
  Session session(sc, o);
  session.post(cmd::Start{});
  auto snap = session.wait_finished(300);
  EXPECT_TRUE(snap->finished) << sc.name;
  Outcome out;
  for (const RunSnapshot& r : snap->runs) {
    if (r.status.diverged) {
      ++out.diverged;
      EXPECT_EQ(r.state, RunState::diverged) << sc.name << " " << r.label;
      EXPECT_FALSE(r.status.reason.empty()) << sc.name << " " << r.label;
      continue;
    }
    ++out.ok;
    EXPECT_EQ(r.state, RunState::finished) << sc.name << " " << r.label;
    // An `ok` run's written sample set and its canvas are inside the escape region.
    EXPECT_TRUE(r.evaluation_samples) << sc.name << " " << r.label;
    if (!r.evaluation_samples) continue;
    EXPECT_EQ(far_outside(*r.evaluation_samples, sc.target.box), 0) << sc.name << " " << r.label;
    EXPECT_EQ(far_outside(*r.display_samples, sc.target.box), 0) << sc.name << " " << r.label;
  }
  return out;
}

TEST(EscapeSessionSlow, StiffGaussianStopsEveryMethodThatLeaves) {
  // The case: samples at ±5e212 with status ok.
  const Outcome o = run_and_check(formula_scenario("-(x^2+y^2)/1e-12", {-5, 5, -5, 5}, 60));
  EXPECT_GE(o.diverged, 1);
}

TEST(EscapeSessionSlow, TanFormula) {
  run_and_check(formula_scenario("-abs(tan(x)) - y^2/2", {-1.5, 1.5, -4, 4}, 100));
}

TEST(EscapeSessionSlow, HeavyTailedFormula) {
  run_and_check(formula_scenario("-0.75*log(1+x^2+y^2)", {-10, 10, -10, 10}, 100));
}

}  // namespace
}  // namespace ss
