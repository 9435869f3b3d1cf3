// Adam/AdamW against hand-computed steps, global-norm clipping, and exact save/load round trips.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/nn/mlp.h"
#include "core/nn/optim.h"

namespace ss::nn {
namespace {

// Two parameters θ0 = (1, −2) with gradients g1 = (0.5, −0.1) then g2 = (−0.3, 0.2); lr 0.1,
// β = (0.9, 0.999), ε = 1e-8. The expected values were worked out by hand from the formulas in
// optim.h (step 1: m̂ = g, v̂ = g², so θ1 = θ0 − lr·g/(|g| + ε) − lr·λ·θ0) and double-checked with
// a few lines of Python; agreement to 1e-15 relative only allows for summation-order rounding.
struct AdamCase {
  double weight_decay;
  double step1[2], step2[2];
};

TEST(Adam, MatchesHandComputedSteps) {
  for (AdamCase c :
       {AdamCase{0.0, {0.900000002, -1.900000009999999}, {0.8808501989417752, -1.9366103603884888}},
        AdamCase{
            0.01, {0.899000002, -1.898000009999999}, {0.8789511989397751, -1.9327123603784888}}}) {
    Vec theta(2), grad(2);
    theta << 1.0, -2.0;
    ParameterSpan span{theta.data(), grad.data(), 2};
    AdamOptions o;
    o.learning_rate = 0.1;
    o.weight_decay = c.weight_decay;
    Adam adam(2, o);
    grad << 0.5, -0.1;
    adam.step(span);
    EXPECT_NEAR(theta(0), c.step1[0], 1e-15);
    EXPECT_NEAR(theta(1), c.step1[1], 2e-15);
    grad << -0.3, 0.2;
    adam.step(span);
    EXPECT_NEAR(theta(0), c.step2[0], 1e-15);
    EXPECT_NEAR(theta(1), c.step2[1], 2e-15);
    EXPECT_EQ(adam.steps(), 2);
    EXPECT_EQ(grad(0), -0.3);  // gradients are read, not modified
  }
}

TEST(Adam, SeveralSpansAreOneConcatenatedVector) {
  // The same 3 parameters split 1 + 2 over two spans and kept in one span give identical steps.
  Vec a(1), ga(1), b(2), gb(2), all(3), gall(3);
  a << 0.3;
  b << -1.0, 2.0;
  all << 0.3, -1.0, 2.0;
  ParameterSpan spans[2] = {{a.data(), ga.data(), 1}, {b.data(), gb.data(), 2}};
  ParameterSpan one{all.data(), gall.data(), 3};
  Adam split(3, {0.05, 0.8, 0.99, 1e-8, 0.1}), whole(3, {0.05, 0.8, 0.99, 1e-8, 0.1});
  Rng rng(1);
  for (int s = 0; s < 5; ++s) {
    gall << rng.normal(), rng.normal(), rng.normal();
    ga(0) = gall(0);
    gb << gall(1), gall(2);
    split.step(spans);
    whole.step(one);
  }
  EXPECT_EQ(a(0), all(0));
  EXPECT_EQ(b(0), all(1));
  EXPECT_EQ(b(1), all(2));
}

TEST(Adam, RejectsBadOptionsAndSizeMismatch) {
  EXPECT_THROW(Adam(2, {-1.0}), std::invalid_argument);
  EXPECT_THROW(Adam(2, {1e-3, 1.0}), std::invalid_argument);
  EXPECT_THROW(Adam(2, {1e-3, 0.9, 0.999, 0.0}), std::invalid_argument);
  EXPECT_THROW(Adam(2, {1e-3, 0.9, 0.999, 1e-8, -1.0}), std::invalid_argument);
  Vec t(3), g(3);
  Adam adam(2);
  EXPECT_THROW(adam.step(ParameterSpan{t.data(), g.data(), 3}), std::invalid_argument);
}

TEST(Adam, MinimizesAQuadratic) {
  // f(θ) = ½ Σ c_i (θ_i − 1)²: Adam with lr 0.05 reaches the minimum to 1e-3 in 2000 steps.
  Vec theta = Vec::Zero(4), grad(4), c(4);
  c << 1.0, 10.0, 0.1, 100.0;
  Adam adam(4, {0.05});
  ParameterSpan span{theta.data(), grad.data(), 4};
  for (int s = 0; s < 2000; ++s) {
    grad = c.cwiseProduct(theta - Vec::Ones(4));
    adam.step(span);
  }
  EXPECT_LT((theta - Vec::Ones(4)).lpNorm<Eigen::Infinity>(), 1e-3);
}

TEST(Clip, GlobalNormOverSpansScalesOnlyWhenAbove) {
  Vec a(2), ga(2), b(1), gb(1);
  ga << 3.0, 0.0;
  gb << 4.0;  // global norm 5
  ParameterSpan spans[2] = {{a.data(), ga.data(), 2}, {b.data(), gb.data(), 1}};
  EXPECT_DOUBLE_EQ(global_gradient_norm(spans), 5.0);
  EXPECT_DOUBLE_EQ(clip_global_norm(spans, 10.0), 5.0);
  EXPECT_EQ(ga(0), 3.0);                                // below the bound: untouched
  EXPECT_DOUBLE_EQ(clip_global_norm(spans, 1.0), 5.0);  // returns the pre-clip norm
  EXPECT_DOUBLE_EQ(ga(0), 0.6);
  EXPECT_DOUBLE_EQ(gb(0), 0.8);
  EXPECT_NEAR(global_gradient_norm(spans), 1.0, 1e-15);
  EXPECT_THROW(clip_global_norm(spans, 0.0), std::invalid_argument);
}

TEST(Clip, NonFiniteAndExtremeNorms) {
  Vec a(2), g(2);
  ParameterSpan span{a.data(), g.data(), 2};
  g << 1e200, 1e200;  // squares overflow; the scaled norm does not
  EXPECT_DOUBLE_EQ(global_gradient_norm(span), std::sqrt(2.0) * 1e200);
  g << 3e-200, 4e-200;  // squares underflow; the scaled norm does not
  EXPECT_NEAR(global_gradient_norm(span) / 5e-200, 1.0, 1e-15);
  g << std::nan(""), 1.0;
  EXPECT_TRUE(std::isnan(clip_global_norm(span, 1.0)));
  EXPECT_EQ(g(1), 1.0);  // untouched
  g << std::numeric_limits<double>::infinity(), 1.0;
  EXPECT_TRUE(std::isinf(clip_global_norm(span, 1.0)));
  g << 0.0, 0.0;
  EXPECT_EQ(clip_global_norm(span, 1.0), 0.0);
}

// clip_and_step (written once for the neural samplers and RealNVP training) is clip_global_norm
// then Adam's step, bit for bit; max_norm ≤ 0 does not clip; a non-finite norm takes no step.
TEST(Clip, ClipAndStepIsClipThenAdamAndSkipsANonFiniteNorm) {
  AdamOptions o;
  o.learning_rate = 0.05;
  for (double max_norm : {1.0, 100.0, 0.0}) {
    Vec a(3), ga(3), b(3), gb(3);
    a << 1.0, -2.0, 0.5;
    b = a;
    ParameterSpan sa{a.data(), ga.data(), 3}, sb{b.data(), gb.data(), 3};
    Adam adam_a(3, o), adam_b(3, o);
    for (int step = 0; step < 4; ++step) {
      ga << 3.0 * (step + 1), -4.0, 0.25 * step;
      gb = ga;
      const double n = clip_and_step(adam_a, sa, max_norm);
      const double expected =
          max_norm > 0 ? clip_global_norm(sb, max_norm) : global_gradient_norm(sb);
      adam_b.step(sb);
      EXPECT_EQ(n, expected);
      EXPECT_TRUE(a == b) << "max_norm " << max_norm << " step " << step;
    }
    if (max_norm == 0.0) EXPECT_GT(global_gradient_norm(sa), 1.0);  // not clipped
  }
  Vec a = Vec::Ones(2), g(2);
  g << std::nan(""), 1.0;
  ParameterSpan span{a.data(), g.data(), 2};
  Adam adam(2, o);
  EXPECT_TRUE(std::isnan(clip_and_step(adam, span, 1.0)));
  EXPECT_TRUE(a == Vec::Ones(2));  // no step
}

TEST(SaveLoad, ParametersAndAdamStateRoundTripExactly) {
  Rng rng(4);
  Mlp gen({2, 16, 2}, Activation::kSiLU), score({2, 8, 8, 2}, Activation::kTanh);
  gen.initialize(rng);
  score.initialize(rng);
  ParameterSpan spans[2] = {gen.parameter_span(), score.parameter_span()};
  Adam adam(total_size(spans), {1e-2, 0.9, 0.999, 1e-8, 1e-4});
  for (int s = 0; s < 3; ++s) {
    for (auto& sp : spans)
      for (Eigen::Index i = 0; i < sp.size; ++i) sp.gradients[i] = rng.normal();
    adam.step(spans);
  }
  std::stringstream ss;
  save_checkpoint(ss, spans, adam);
  const Vec gen_saved = gen.parameters(), score_saved = score.parameters();

  // Scramble, then restore.
  Mlp gen2({2, 16, 2}, Activation::kSiLU), score2({2, 8, 8, 2}, Activation::kTanh);
  ParameterSpan spans2[2] = {gen2.parameter_span(), score2.parameter_span()};
  Adam adam2(total_size(spans2));
  load_checkpoint(ss, spans2, adam2);
  EXPECT_EQ(gen2.parameters(), gen_saved);
  EXPECT_EQ(score2.parameters(), score_saved);
  EXPECT_EQ(adam2.steps(), 3);
  EXPECT_EQ(adam2.first_moment(), adam.first_moment());
  EXPECT_EQ(adam2.second_moment(), adam.second_moment());
  EXPECT_EQ(adam2.options().weight_decay, 1e-4);

  // The next step after a restore is bit-identical to the next step without one.
  for (int k = 0; k < 2; ++k)
    for (Eigen::Index i = 0; i < spans[k].size; ++i) spans2[k].gradients[i] = spans[k].gradients[i];
  adam.step(spans);
  adam2.step(spans2);
  EXPECT_EQ(gen2.parameters(), gen.parameters());
  EXPECT_EQ(score2.parameters(), score.parameters());
}

TEST(SaveLoad, MismatchesAndTruncationThrowAndLeaveParametersAlone) {
  Vec a = Vec::Constant(3, 1.5), g(3), b(4), gb(4);
  ParameterSpan s3{a.data(), g.data(), 3}, s4{b.data(), gb.data(), 4};
  std::stringstream ss;
  save_parameters(ss, std::span<const ParameterSpan>(&s3, 1));
  EXPECT_THROW(load_parameters(ss, std::span<const ParameterSpan>(&s4, 1)), std::runtime_error);
  std::stringstream ss2;
  Adam adam(3);
  save_checkpoint(ss2, std::span<const ParameterSpan>(&s3, 1), adam);
  std::string bytes = ss2.str();
  std::stringstream cut(bytes.substr(0, bytes.size() - 1));
  Vec c = Vec::Constant(3, -7.0), gc(3);
  ParameterSpan sc{c.data(), gc.data(), 3};
  Adam adam_c(3);
  EXPECT_THROW(load_checkpoint(cut, std::span<const ParameterSpan>(&sc, 1), adam_c),
               std::runtime_error);
  EXPECT_EQ(c, Vec::Constant(3, -7.0));  // a failed load leaves the parameters as they were
  std::stringstream junk("not a checkpoint at all");
  EXPECT_THROW(load_parameters(junk, std::span<const ParameterSpan>(&s3, 1)), std::runtime_error);
}

TEST(SaveLoad, CheckpointFileRoundTrip) {
  const auto path = (std::filesystem::temp_directory_path() / "ss_nn_checkpoint_test.bin").string();
  Vec a(2), g(2);
  a << 0.25, -3.5;
  ParameterSpan s{a.data(), g.data(), 2};
  Adam adam(2);
  g << 1.0, 2.0;
  adam.step(s);
  save_checkpoint_file(path, std::span<const ParameterSpan>(&s, 1), adam);
  Vec b(2), gb(2);
  ParameterSpan sb{b.data(), gb.data(), 2};
  Adam adam_b(2);
  load_checkpoint_file(path, std::span<const ParameterSpan>(&sb, 1), adam_b);
  EXPECT_EQ(a, b);
  EXPECT_EQ(adam_b.first_moment(), adam.first_moment());
  std::remove(path.c_str());
  EXPECT_THROW(load_checkpoint_file(path, std::span<const ParameterSpan>(&sb, 1), adam_b),
               std::runtime_error);
}

}  // namespace
}  // namespace ss::nn
