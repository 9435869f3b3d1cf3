// Tests of core/ebm/generator_negatives: the live-EBM Target's finite-difference Hessian against
// an exact one, SteinGAN and DFT negatives of a fixed energy against exact draws from its grid
// distribution, determinism (reruns and 1 vs 2 threads, bitwise), failure reasons.
#include "core/ebm/generator_negatives.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "core/metrics/energy_distance.h"
#include "core/samplers/dft.h"
#include "negatives_test_util.h"

namespace ss {
namespace {

using testing::fit_fixed_energy;
using testing::grid_draws;
using testing::heavy_share;
using testing::small_2to1_problem;

std::shared_ptr<const Target> gmm_2to1() {
  TargetSpec spec;
  spec.kind = "gmm_2to1";
  return make_target(spec);
}

// The central-difference Hessian of LiveEbmTarget, bound to a smooth target's exact score, against
// that target's exact (AD) Hessian. Near a Gaussian mode the log density is nearly quadratic, so
// the O(δ²) error is tiny; between the modes (third derivatives ≠ 0) it is still O(δ²·|∂³ log p|).
TEST(LiveEbmTarget, FiniteDifferenceHessianMatchesTheExactOne) {
  auto exact = gmm_2to1();
  LiveEbmTarget t(exact->view_box(), 0.01);
  t.bind([&](const Points& x, Vec* lp, Points* s) { exact->evaluate(x, lp, s, nullptr); });
  Points x(5, 2);
  x << 1.5, 1.5, 1.7, 1.3, -1.5, -1.4, -1.3, -1.7, 0.2, 0.1;
  Vec lp, lp_exact;
  Points s, s_exact;
  Hessians h, h_exact;
  t.evaluate(x, &lp, &s, &h);
  exact->evaluate(x, &lp_exact, &s_exact, &h_exact);
  EXPECT_TRUE(lp == lp_exact);
  EXPECT_TRUE(s == s_exact);
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (int j = 0; j < 3; ++j)
      EXPECT_NEAR(h(i, j), h_exact(i, j), 1e-3 * (1 + std::abs(h_exact(i, j))))
          << "row " << i << " entry " << j;
  const Jet jet = t.jet_at(1.6, 1.4), jex = exact->jet_at(1.6, 1.4);
  EXPECT_NEAR(jet.hxy, jex.hxy, 1e-3);
  t.unbind();
  EXPECT_THROW(t.evaluate(x, &lp, nullptr, nullptr), std::logic_error);
}

// A fixed two-mode energy: generator negatives after 300 generator steps against exact i.i.d.
// draws from its grid distribution. Bound: 5 × the largest energy distance of 8 i.i.d. sets of the
// same size (generators trained by SVGD are known to be under-dispersed, svgd.md; the factor is
// set for that, before running), and the heavy-mode share within 0.1.
double generator_distance(GeneratorNegatives::Kind kind, const ParamValues& knobs, double* share,
                          double* share_ref, double* iid_out) {
  auto p = small_2to1_problem(512, 64);
  EnergyNet net;
  fit_fixed_energy(net, *p, true);
  EnergyView view(net);
  EvalCounters counters;
  GeneratorNegatives s(kind);
  s.reset(*p, knobs, 4);
  Points out;
  for (int k = 0; k < 300; ++k) s.draw(view, 64, out, counters);
  EXPECT_EQ(s.failure(), "");
  for (const auto& [n, v] : s.statistics()) std::printf("  %s %.4g\n", n.c_str(), v);
  s.draw(view, 512, out, counters);
  Rng rng(98);
  Points ref, a;
  grid_draws(net, *p, 2048, rng, ref);
  double iid = 0;
  for (int r = 0; r < 8; ++r) {
    grid_draws(net, *p, 512, rng, a);
    iid = std::max(iid, energy_distance(a, ref));
  }
  *share = heavy_share(out);
  *share_ref = heavy_share(ref);
  *iid_out = iid;
  const double ed = energy_distance(out, ref);
  std::printf(
      "%s negatives: energy distance %.4f (i.i.d. max %.4f), heavy share %.3f (grid %.3f)\n",
      kind == GeneratorNegatives::Kind::dft ? "dft_ebm" : "steingan", ed, iid, *share, *share_ref);
  return ed;
}

// NOT MET (disabled, issue 15): SteinGAN's negatives collapse toward the heavy mode of the fixed
// energy. Measured (tilted fixed energy, grid heavy share 0.627, i.i.d. energy-distance max
// 0.0114): 300 steps energy distance 0.196, heavy share 0.785; 600 steps at batch 256: 0.75, 0.947
// (a fixed bandwidth 0.3 does not help: 0.56, 0.898); untilted energy, 1000 steps: 0.70, 1.000.
// This is amortized SVGD's known failure on separated modes (svgd.md; kSteinGanAbout), not a
// wiring error that we know of: the same sampler class is tested in
// tests/samplers/amortized_svgd_test.cpp.
TEST(GeneratorNegatives, DISABLED_SteinGanNegativesMatchTheFixedEnergy) {
  double share, share_ref, iid;
  const double ed =
      generator_distance(GeneratorNegatives::Kind::steingan, {}, &share, &share_ref, &iid);
  EXPECT_LT(ed, 5 * iid) << "i.i.d. max " << iid;
  EXPECT_NEAR(share, share_ref, 0.1);
}

// NOT MET (disabled, issue 15): DFT's generator drifts away from the fixed energy's modes.
// Measured (same fixed energy): 100 steps energy distance 0.356, heavy share 0.521; 300 steps
// 3.60, 0.238; 1500 steps 4.63, 0.016 (σ = 0.05 instead of the box-derived 0.124: 6.2 after 100
// steps, the generator centred near (−5.9, −6.0), outside the box). Pre-clip generator gradient
// norms of 270–410. Knob trials at 300 / 1000 steps: residual = off 0.26 (heavy share 0.623) /
// 0.80 (0.408) — the plain score network tracks the modes for a while, the residual one (default)
// does not; hessian_step 0.001: 0.60 / 1.42 (residual off); 0.05: 3.70 / 3.53; 0.1 (residual
// on): 3.76 at 300; partial variant: 2.04; batch 256: 1.33. The suspect is the piecewise-linear
// energy (a score with jumps at the kinks, a Hessian that is 0 or a spike); not diagnosed further.
TEST(GeneratorNegatives, DISABLED_DftNegativesMatchTheFixedEnergy) {
  double share, share_ref, iid;
  const double ed = generator_distance(GeneratorNegatives::Kind::dft, {}, &share, &share_ref, &iid);
  EXPECT_LT(ed, 5 * iid) << "i.i.d. max " << iid;
  EXPECT_NEAR(share, share_ref, 0.1);
}

Points run_generator(GeneratorNegatives::Kind kind, int threads, std::uint64_t seed) {
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
  auto p = small_2to1_problem(256, 64);
  EnergyNet net;
  // An untrained network: determinism does not need a fitted one (and this keeps the ASan pass
  // short).
  Rng init(11);
  net.build(p->ebm, p->box, init);
  net.set_tilt(false);
  EnergyView view(net);
  EvalCounters counters;
  GeneratorNegatives s(kind);
  s.reset(*p, {}, seed);
  Points out, all(0, 2);
  for (int k = 0; k < 5; ++k) {
    s.draw(view, 64, out, counters);
    Points next(all.rows() + out.rows(), 2);
    next << all, out;
    all = next;
  }
  return all;
}

TEST(GeneratorNegatives, DeterministicAcrossRerunsAndThreads) {
  for (auto kind : {GeneratorNegatives::Kind::steingan, GeneratorNegatives::Kind::dft}) {
    const Points a = run_generator(kind, 1, 5), b = run_generator(kind, 1, 5),
                 c = run_generator(kind, 2, 5);
    EXPECT_TRUE(a == b);
    EXPECT_TRUE(a == c);
    EXPECT_FALSE(a == run_generator(kind, 1, 6));
  }
}

// The dft sampler's defaults take its affines from the target's grid reference (issue 14, session
// 9); a live energy model has none at reset, so DFT-EBM's defaults say box, and the table of the
// fixed-target sampler is not changed by it.
TEST(GeneratorNegatives, DftNegativesDefaultToTheBoxAffines) {
  auto value = [](const ParamTable& t, const std::string& name) {
    for (const auto& d : t)
      if (d.name == name) return d.default_value;
    ADD_FAILURE() << "no knob " << name;
    return -1.0;
  };
  const ParamTable& ebm = GeneratorNegatives::table(GeneratorNegatives::Kind::dft);
  EXPECT_EQ(value(ebm, "output_affine"), 0);
  EXPECT_EQ(value(ebm, "score_affine"), 0);
  EXPECT_EQ(value(DenoisingFisherSampler::table(), "output_affine"), 1);
  EXPECT_EQ(value(DenoisingFisherSampler::table(), "score_affine"), 1);
}

TEST(GeneratorNegatives, NonFiniteModelIsAFailureWithAReason) {
  for (auto kind : {GeneratorNegatives::Kind::steingan, GeneratorNegatives::Kind::dft}) {
    auto p = small_2to1_problem(256, 64);
    EnergyNet net;
    Rng init(1);
    net.build(p->ebm, p->box, init);
    net.mlp().parameter_span().value_map()[0] = std::numeric_limits<double>::quiet_NaN();
    EnergyView view(net);
    EvalCounters counters;
    GeneratorNegatives s(kind);
    s.reset(*p, {}, 1);
    Points out;
    for (int k = 0; k < 3 && s.failure().empty(); ++k) s.draw(view, 64, out, counters);
    EXPECT_NE(s.failure(), "");
  }
}

}  // namespace
}  // namespace ss
