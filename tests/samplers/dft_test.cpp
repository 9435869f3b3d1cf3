// DenoisingFisherSampler: registry and knobs, determinism, counters, divergence reporting, and the
// seeded statistical tests of issue 6 (Gaussian → i.i.d. line; donut and rosenbrock → documented
// KSD level; every built-in target without divergence).
#include "core/samplers/dft.h"

#include <gtest/gtest.h>

#include "core/metrics/energy_distance.h"
#include "core/metrics/iid_baseline.h"
#include "core/metrics/mode_coverage.h"
#include "core/samplers/dft_noise.h"
#include "neural_test_util.h"

namespace ss {
namespace {

using testing::gaussian_target;

TEST(Dft, RegistryAndKnobs) {
  auto t = gaussian_target(Vec2(0, 0), Mat2::Identity());
  auto s = make_sampler("dft", t, {{"batch_size", 64}, {"variant", 1}}, 1);
  EXPECT_EQ(s->kind(), "dft");
  EXPECT_EQ(sampler_display_name("dft"), "DFT");
  EXPECT_FALSE(sampler_about("dft").empty());
  EXPECT_EQ(s->param("batch_size"), 64);
  EXPECT_EQ(s->param("variant"), 1);
  EXPECT_THROW(s->set_param("variant", 2), ParamError);
  EXPECT_THROW(s->set_param("sigma", -0.1), ParamError);
  EXPECT_NO_THROW(s->set_param("sigma", 0.0));  // 0 = auto (dft_noise.h)
  EXPECT_THROW(make_sampler("dft", t, {{"no_such_knob", 1}}, 1), ParamError);
  EXPECT_EQ(s->display_samples().rows(), 1000);
}

TEST(Dft, DeterministicAndIndependentOfMetricDraws) {
  testing::expect_deterministic(
      "dft", {{"batch_size", 64}, {"warmup_steps", 5}, {"hidden_width", 32}, {"score_width", 32}});
}

TEST(Dft, CountsOneHessianPerGeneratedSampleAndReportsStatistics) {
  auto t = gaussian_target(Vec2(0, 0), Mat2::Identity());
  auto s = make_sampler("dft", t, {{"batch_size", 50}, {"warmup_steps", 3}, {"score_steps", 2}}, 1);
  for (int i = 0; i < 4; ++i) s->step();
  EXPECT_EQ(s->iteration(), 4);
  EXPECT_EQ(s->counters().hessian, 4u * 50u);
  // The residual score network (default) regresses on ε + σ s_q(x_σ): every DSM step evaluates
  // target scores, (3 warm-up + 4 × 2) steps × 50 points.
  EXPECT_EQ(s->counters().score, (3u + 4u * 2u) * 50u);
  auto stats = s->statistics();
  ASSERT_EQ(stats.size(), 5u);
  EXPECT_EQ(stats[0].first, "loss");
  EXPECT_EQ(stats[2].first, "sigma");
  EXPECT_EQ(stats[4].first, "sigma_auto");
  // Defaults: σ = σ_auto of the target (dft_noise.h), no annealing.
  EXPECT_DOUBLE_EQ(stats[2].second, derived_sigma(t));
  EXPECT_DOUBLE_EQ(stats[4].second, derived_sigma(t));
  SamplerOverlay overlay;
  s->fill_overlay(overlay);
  EXPECT_EQ(overlay.arrow_origins.rows(), 225);
  EXPECT_EQ(overlay.arrow_vectors.rows(), 225);
  EXPECT_TRUE(overlay.arrow_vectors.allFinite());
}

TEST(Dft, BatchSizeChangesWhileRunning) {
  auto t = gaussian_target(Vec2(0, 0), Mat2::Identity());
  auto s = make_sampler("dft", t, {{"batch_size", 32}, {"warmup_steps", 2}}, 1);
  s->step();
  s->set_param("batch_size", 80);
  s->step();
  EXPECT_EQ(s->counters().hessian, 32u + 80u);
  EXPECT_FALSE(s->status().diverged);
}

// The score phase keeps the last score_steps generator batches for its DSM steps; changing
// score_steps (a live knob) resizes that ring. Each DSM step of the residual score network
// evaluates one target score per point, each generator step one score+Hessian per point: so the
// counters show how many DSM steps ran (warm-up 2 + 5, then 3, then 1).
TEST(Dft, ScoreStepsChangeWhileRunning) {
  auto t = gaussian_target(Vec2(0, 0), Mat2::Identity());
  auto s = make_sampler("dft", t, {{"batch_size", 32}, {"warmup_steps", 2}}, 1);
  s->step();
  EXPECT_EQ(s->counters().score, (2u + 5u) * 32u);
  s->set_param("score_steps", 3);
  s->step();
  s->set_param("score_steps", 1);
  s->step();
  EXPECT_EQ(s->counters().score, (2u + 5u + 3u + 1u) * 32u);
  EXPECT_EQ(s->counters().hessian, 3u * 32u);
  EXPECT_FALSE(s->status().diverged) << s->status().reason;
  EXPECT_EQ(s->iteration(), 3);
}

// The `score_batches` knob: each DSM step trains on m generator batches stacked (the newest ones,
// cycling while fewer are stored), so with the residual score network every DSM step evaluates
// m × B target scores: warm-up 2 steps × 32, then 3 steps × 4 × 32 per iteration.
TEST(Dft, ScoreBatchesStackGeneratorBatchesInEachDsmStep) {
  auto t = gaussian_target(Vec2(0, 0), Mat2::Identity());
  auto s = make_sampler(
      "dft", t, {{"batch_size", 32}, {"warmup_steps", 2}, {"score_steps", 3}, {"score_batches", 4}},
      1);
  s->step();
  s->step();
  EXPECT_EQ(s->counters().score, (2u + 2u * 3u * 4u) * 32u);
  EXPECT_EQ(s->counters().hessian, 2u * 32u);
  s->set_param("score_batches", 1);
  s->step();
  EXPECT_EQ(s->counters().score, (2u + 2u * 3u * 4u + 3u) * 32u);
  EXPECT_FALSE(s->status().diverged) << s->status().reason;
}

TEST(Dft, DeterministicWithStackedDsmBatchesWhitenedScoreAndEma) {
  testing::expect_deterministic("dft", {{"batch_size", 64},
                                        {"warmup_steps", 5},
                                        {"hidden_width", 32},
                                        {"score_width", 32},
                                        {"score_batches", 3},
                                        {"score_affine", 1},
                                        {"ema", 0.9}});
}

// The `ema` knob: the returned samples come from θ̄ ← β_t θ̄ + (1 − β_t) θ after each update
// (θ̄ = θ at the first, β_t = min(β, (1 + n)/(10 + n)) after n updates), recomputed here from the
// trained weights step by step (agreement to rounding); training itself is unchanged (the same
// weights as with ema off), and with ema off the output generator is the trained one.
class DftProbe : public DenoisingFisherSampler {
 public:
  using DenoisingFisherSampler::DenoisingFisherSampler;
  static Vec flatten(ImplicitGenerator& g) {
    const auto spans = g.parameter_spans();
    Vec out(nn::total_size(spans));
    Eigen::Index off = 0;
    for (const auto& sp : spans) {
      out.segment(off, sp.size) = Eigen::Map<const Vec>(sp.values, sp.size);
      off += sp.size;
    }
    return out;
  }
  Vec trained() { return flatten(generator_); }
  Vec output() { return flatten(output_generator()); }
};

TEST(Dft, EmaAveragesTheGeneratorWeightsForTheReturnedSamplesOnly) {
  auto t = gaussian_target(Vec2(0.5, -0.5), (Mat2() << 1.0, 0.3, 0.3, 0.6).finished());
  const ParamValues common = {
      {"batch_size", 32}, {"warmup_steps", 2}, {"hidden_width", 16}, {"score_width", 16}};
  auto with = [&](double beta) {
    auto p = std::make_unique<DftProbe>(t);
    ParamValues v = common;
    v["ema"] = beta;
    p->set_params(v);
    p->reset(3);
    return p;
  };
  auto on = with(0.9), off = with(0.0);
  Vec expect;
  for (int n = 0; n < 30; ++n) {
    on->step();
    off->step();
    const Vec theta = on->trained();
    const double b = n == 0 ? 0.0 : std::min(0.9, (1.0 + n) / (10.0 + n));
    expect = n == 0 ? theta : Vec(b * expect + (1.0 - b) * theta);
    ASSERT_EQ(theta, off->trained()) << "ema changed the training at step " << n;
    EXPECT_LT((on->output() - expect).cwiseAbs().maxCoeff(), 1e-12) << "step " << n;
  }
  EXPECT_GT((on->output() - on->trained()).norm(), 0.0);
  EXPECT_EQ(off->output(), off->trained());
  // The returned samples use θ̄: the display set differs from the trained generator's.
  EXPECT_NE(on->display_samples(), off->display_samples());
}

// Session 9 of issue 14: DFT's defaults take the generator's output affine (and the score
// network's input whitening) from the target's grid reference. The generator starts as its skip
// alone (f_θ's last layer at zero), g(z) = m + L·a·(z₁, z₂) with a = init_spread = 0.5, and the
// samples are x₀ + σε (σ_auto = 0.015 here), so at reset the samples have the reference's mean
// and half its standard deviations: rosenbrock (a = 1, b = 20, T = 0.4) has mean (1, 1.2) and
// standard deviations (0.447, 0.943), the view box's centre is (1, 3.41). Tolerances: 0.02 on the
// means (five standard errors of 20 000 samples: 0.22/√20000 ≈ 0.0016 for x₁, 0.0033 for x₂,
// plus the 256² grid's error) and 3 % on the standard deviations.
TEST(Dft, DefaultAffinesComeFromTheTargetsGridReference) {
  auto t = make_target(TargetSpec{"rosenbrock"});
  Points x;
  auto s = make_sampler("dft", t, {}, 3);
  EXPECT_EQ(s->param("output_affine"), 1);
  EXPECT_EQ(s->param("score_affine"), 1);
  s->evaluation_samples(20000, x);
  const Vec2 mean = x.colwise().mean().transpose();
  const Vec2 sd = ((x.rowwise() - mean.transpose()).colwise().squaredNorm() / (x.rows() - 1.0))
                      .cwiseSqrt()
                      .transpose();
  EXPECT_NEAR(mean.x(), 1.0, 0.02);
  EXPECT_NEAR(mean.y(), 1.2, 0.02);
  EXPECT_NEAR(sd.x(), 0.5 * std::sqrt(0.2), 0.03 * 0.5 * std::sqrt(0.2));
  EXPECT_NEAR(sd.y(), 0.5 * std::sqrt(0.89), 0.03 * 0.5 * std::sqrt(0.89));
  // The view box instead (the pre-session-9 default): centred on the box, not on the mass.
  auto box = make_sampler("dft", t, {{"output_affine", 0}}, 3);
  box->evaluation_samples(20000, x);
  EXPECT_NEAR(x.col(0).mean(), 1.0, 0.02);
  EXPECT_NEAR(x.col(1).mean(), 0.5 * (t->view_box().ymin + t->view_box().ymax), 0.05);
  EXPECT_GT(x.col(1).mean(), 3.0);
}

// The reference affines are computed once per target and shared by the generator and the score
// network: a reset for another seed reuses them, a new target replaces them (rosenbrock with
// a = −1 has x₁'s mean at −1 and x₂'s at a² + T/2 = 1.2).
TEST(Dft, ReferenceAffinesFollowATargetChange) {
  auto s = make_sampler("dft", make_target(TargetSpec{"rosenbrock"}), {}, 3);
  Points x;
  s->reset(4);
  s->evaluation_samples(20000, x);
  EXPECT_NEAR(x.col(0).mean(), 1.0, 0.02);
  s->set_target(make_target(TargetSpec{"rosenbrock", {{"a", -1.0}}}));
  s->reset(4);
  s->evaluation_samples(20000, x);
  EXPECT_NEAR(x.col(0).mean(), -1.0, 0.02);
  EXPECT_NEAR(x.col(1).mean(), 1.2, 0.02);
}

TEST(Dft, NonFiniteTargetIsReportedAsDivergence) {
  testing::expect_divergence_reported("dft", {{"batch_size", 32}, {"warmup_steps", 2}});
}

}  // namespace
}  // namespace ss

namespace ss {
namespace {

// Issue 6 test (2): "within 2× of the i.i.d. line" = sampler KSD ≤ 2 × i.i.d. KSD at n = 1000
// (estimators: neural_test_util.h). Budget: 2000 iterations at batch 256 with the default knobs
// except that the σ annealing (0.5 → 0.05) and the learning-rate decay (to 4 %) are compressed
// from 3000/2000 to 1500 iterations so both finish inside the budget. The σ-bias of the optimum
// (variance deficit σ² = 0.0025 against variances 0.44–1.16) is far below what KSD at n = 1000
// resolves. Measured with this protocol, seeds 5/6/7: 1.36×, 1.26×, 1.37× the i.i.d. line (with
// 4-set i.i.d. estimates); before the fixes of session 2 (score_steps 1, lr 1e-3 constant, random
// generator start, plain DSM batches) it was 380× at 600 iterations. Since issue 14 the knobs set
// here anneal σ from 0.5 to σ_auto = 0.33 (half the smallest std 0.66 of this Gaussian) and decay
// the generator's learning rate over 1500 iterations; the samples are x₀ + σε. It passes with
// those defaults too (seed 5, session 3).
TEST(DftSlow, GaussianReachesTwiceTheIidLine) {
  auto [ksd, iid] = testing::gaussian_ksd_after(
      "dft", {{"batch_size", 256}, {"anneal_iterations", 1500}, {"lr_decay_iterations", 1500}},
      2000, 5);
  RecordProperty("ksd2_imq", std::to_string(ksd));
  RecordProperty("iid", std::to_string(iid));
  EXPECT_LT(ksd, 2.0 * iid) << "ksd " << ksd << " iid " << iid;
}

// Issue 14: DFT at its defaults. The trained sampler is evaluated on kEvalSets fresh sets of
// n = 1000 samples (one network pass each, the same weights), each against the same 5000
// grid-reference draws, and each metric is the mean over the sets divided by its i.i.d. line at the
// same n: energy distance against the mean of 10 sets of 1000 exact draws, KSD² U-statistic
// against its rms over the same 10 sets. Why the mean of sets (session 9, docs/results.md): one
// set of 1000 is too noisy to decide a 3× criterion — exact draws themselves give 0.44–2.53× the
// line from one set on rosenbrock, and one trained generator gave 1.20–9.39× over 20 sets — while
// the mean of ten sets estimates the same expectation as the line (an average over sets of n =
// 1000) with a tenth of the variance. The 3× level is unchanged. Mean x₁ and the mode masses are
// taken over all 10 000 samples.
struct DefaultsRun {
  double ed_ratio = NAN, ksd_u_ratio = NAN, mean_x1 = NAN, min_mode_ratio = NAN;
  double ed_ratio_min = NAN, ed_ratio_max = NAN;  ///< over the sets
};

constexpr int kEvalSets = 10;

DefaultsRun dft_at_defaults(const std::string& target, int iterations, std::uint64_t seed) {
  auto t = make_target(TargetSpec{target});
  const auto ref = GridReference::compute(t);
  auto s = make_sampler("dft", t, {}, seed);
  for (int i = 0; i < iterations && !s->status().diverged; ++i) s->step();
  EXPECT_FALSE(s->status().diverged) << s->status().reason;
  Rng rng(4242);
  Points y;
  ref->sample(5000, rng, y);
  const double ed_line = energy_distance_iid_baseline(*ref, 1000, 5000, 10, 777).mean;
  const double ksd_u_line = ksd_imq_iid_baselines(*ref, 1000, 10, 12345).u.rms;
  Points x, g, all(1000 * kEvalSets, 2);
  double ed_sum = 0, ksd_u_sum = 0;
  DefaultsRun r;
  r.ed_ratio_min = 1e300;
  r.ed_ratio_max = 0;
  for (int k = 0; k < kEvalSets; ++k) {
    s->evaluation_samples(1000, x);
    t->evaluate(x, nullptr, &g, nullptr);
    const double ed = energy_distance(x, y) / ed_line;
    r.ed_ratio_min = std::min(r.ed_ratio_min, ed);
    r.ed_ratio_max = std::max(r.ed_ratio_max, ed);
    ed_sum += ed;
    ksd_u_sum += ksd_imq(x, g).u / ksd_u_line;
    all.middleRows(1000 * k, 1000) = x;
  }
  r.ed_ratio = ed_sum / kEvalSets;
  r.ksd_u_ratio = ksd_u_sum / kEvalSets;
  r.mean_x1 = all.col(0).mean();
  const ModeCoverage m = mode_coverage(*ref, all);
  r.min_mode_ratio = 1e300;
  for (size_t k = 0; k < m.true_mass.size(); ++k)
    r.min_mode_ratio = std::min(r.min_mode_ratio, m.sample_fraction[k] / m.true_mass[k]);
  return r;
}

void record(const DefaultsRun& r) {
  ::testing::Test::RecordProperty("ed_ratio", std::to_string(r.ed_ratio));
  ::testing::Test::RecordProperty("ksd_u_ratio", std::to_string(r.ksd_u_ratio));
  ::testing::Test::RecordProperty("mean_x1", std::to_string(r.mean_x1));
  ::testing::Test::RecordProperty("min_mode_ratio", std::to_string(r.min_mode_ratio));
  std::printf("ed_ratio %.3g (sets %.3g-%.3g) ksd_u_ratio %.3g mean_x1 %.4g min_mode_ratio %.3g\n",
              r.ed_ratio, r.ed_ratio_min, r.ed_ratio_max, r.ksd_u_ratio, r.mean_x1,
              r.min_mode_ratio);
}

// Documented levels at 1000 iterations, seed 1000 (a third of the acceptance budget: the run is
// still converging; they guard against falling back, not the issue's criteria). Session 9's
// defaults (docs/results.md): this test measured donut energy distance 1.31× / KSD-U 2.95× and
// rosenbrock 15.4× / mean x₁ 0.989 (means of ten sets); the bench sweep's single sets at 1000
// iterations over seeds 1000–1002: donut 0.58–1.31× / KSD-U −0.38–6.06×, rosenbrock 14.0–17.6×,
// mean x₁ 0.990–0.998. Levels: about 2.5× the largest of those for the energy distance and KSD-U
// (donut 5× and 15×, rosenbrock 40×), and the acceptance criterion's 0.1 for rosenbrock's mean.
// Before: session 7's defaults measured donut 3.09× / 1.38× and rosenbrock 19.5×, mean x₁ 1.072
// (one set); the pre-issue-14 defaults gave 44× on the donut at 4000 iterations and a blob at the
// bottom of Rosenbrock's parabola (mean x₁ 0.16: σ above the valley's width).
TEST(DftSlow, DonutAtDefaultsReachesDocumentedLevel) {
  const DefaultsRun r = dft_at_defaults("donut", 1000, 1000);
  record(r);
  EXPECT_LT(r.ed_ratio, 5.0);
  EXPECT_LT(r.ksd_u_ratio, 15.0);
}

TEST(DftSlow, RosenbrockAtDefaultsFollowsTheValley) {
  const DefaultsRun r = dft_at_defaults("rosenbrock", 1000, 1000);
  record(r);
  EXPECT_NEAR(r.mean_x1, 1.0, 0.1);
  EXPECT_LT(r.ed_ratio, 40.0);
}

// Issue 14's acceptance criteria ("What it must show"), as written: budget 3000 iterations at the
// defaults. Energy distance and KSD-U within 3× their i.i.d. lines on donut and rosenbrock,
// rosenbrock's mean x₁ within 0.1 of 1.0, every gmm_8ring mode with at least half its true mass.
// Measured on the mean of ten evaluation sets (dft_at_defaults above; the 3× level is the issue's).
// History (docs/results.md): session 7 made the generator tanh with the reverse-KL term, a
// 3000-iteration learning-rate decay and an EMA of the weights, which met the donut and gmm_8ring
// but left rosenbrock at ≈ 10× (one set; 11.3× median over 20 sets); session 8's tanh_silu
// generator brought it to ≈ 3× but lost gmm_2to1's light mode on one seed. Session 9 found what
// held rosenbrock: the generator's output affine was the view box, so the MLP had to cancel a
// skip of 1.9 z₂ down to the valley's 0.1 (and the reverse KL shrank the upper arm where that
// failed: mean x₁ 0.97–0.98 on every seed, which alone costs ≈ 2.4× in energy distance). With the
// output affine and the score network's inputs from the target's grid-reference moments (the
// defaults since then) the bench measured, mean of ten sets, seeds 1000–1002: rosenbrock 2.36 /
// 1.94 / 2.15× (KSD-U 0.02 / −0.02 / 0.38×, mean x₁ 1.000 / 0.991 / 0.984), donut 0.83 / 1.38 /
// 0.81× (KSD-U 1.39 / 0.39 / 1.20×); gmm_8ring smallest mode 0.80 (seed 1000).
// Over 40 sets instead of ten (results.md, session 9, table 6): rosenbrock 2.21 / 2.06 / 2.42×.
// This test at commit time (seed 1000, mean of ten sets): donut 1.21× / KSD-U 2.10×; rosenbrock
// 2.45× / 0.27×, mean x₁ 0.997; gmm_8ring smallest mode 0.90 of its mass; 23–26 s each on 2
// threads with two bench runs beside it.
TEST(DftSlow, Issue14AcceptanceDonut) {
  const DefaultsRun r = dft_at_defaults("donut", 3000, 1000);
  record(r);
  EXPECT_LT(r.ed_ratio, 3.0);
  EXPECT_LT(r.ksd_u_ratio, 3.0);
}

TEST(DftSlow, Issue14AcceptanceRosenbrock) {
  const DefaultsRun r = dft_at_defaults("rosenbrock", 3000, 1000);
  record(r);
  EXPECT_LT(r.ed_ratio, 3.0);
  EXPECT_LT(r.ksd_u_ratio, 3.0);
  EXPECT_NEAR(r.mean_x1, 1.0, 0.1);
}

TEST(DftSlow, Issue14AcceptanceGmm8ring) {
  const DefaultsRun r = dft_at_defaults("gmm_8ring", 3000, 1000);
  record(r);
  EXPECT_GE(r.min_mode_ratio, 0.5);
}

// Issue 6 test (4): every built-in target at the defaults for a short budget, no divergence.
TEST(DftSlow, NoDivergenceOnEveryTargetAtDefaults) {
  testing::expect_no_divergence_on_every_target("dft", 25);
}

}  // namespace
}  // namespace ss
