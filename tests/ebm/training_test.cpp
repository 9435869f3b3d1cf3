// Training behaviour: the SIGN of the update (with exact negatives the EBM's test nll approaches
// the truth's; with the sign flipped it moves away), Langevin negatives on a fixed EBM against its
// exact grid distribution, determinism across reruns and thread counts, and divergence.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <cstdio>

#include "core/ebm/energy.h"
#include "core/ebm/langevin_negatives.h"
#include "core/metrics/energy_distance.h"
#include "ebm_test_util.h"

namespace ss {
namespace {

std::shared_ptr<const EbmProblem> gaussian_problem() {
  EbmSettings e = test_ebm::small_ebm();
  e.learning_rate = 0.01;
  return make_ebm_problem(test_ebm::gaussian(Vec2(0.5, -0.3), 0.7), {8192, 2048}, e, 5, 48);
}

// Trains E_θ on the problem's data with exact negatives (ExactGridNegatives) for `steps` steps;
// flipped: the sign of the update reversed (train_step(negatives, positives)). Returns nll_test
// at steps 0, every, 2·every, ….
std::vector<double> train_exact(const EbmProblem& p, int steps, int every, bool flipped,
                                EnergyNet* out = nullptr) {
  EnergyNet net;
  Rng init(derive_seed(p.seed, EbmProblem::kInitStream));
  net.build(p.ebm, p.box, init);
  test_ebm::ExactGridNegatives neg(64);
  neg.reset(p, {}, 77);
  Rng order(1);
  Points pos(p.ebm.batch, 2), x;
  EvalCounters c;
  std::vector<double> nll{exact_ebm_metrics(net, p).nll_test};
  for (int t = 1; t <= steps; ++t) {
    for (int i = 0; i < p.ebm.batch; ++i) pos.row(i) = p.train.row(order.index(p.train.rows()));
    EnergyView view(net);
    neg.draw(view, p.ebm.batch, x, c);
    flipped ? net.train_step(x, pos) : net.train_step(pos, x);
    if (!net.failure().empty()) break;
    if (t % every == 0) nll.push_back(exact_ebm_metrics(net, p).nll_test);
  }
  if (out) *out = net;
  return nll;
}

// Statistical (≈ 1 s in release, ≈ 40 s under ASan): "Slow" keeps it out of the sanitizer pass.
TEST(EbmTrainingSlow, ExactNegativesBringTestNllToTheTruthAndTheFlippedSignDoesNot) {
  // Data N((0.5, −0.3), 0.7²I), nll_true ≈ log(2π·0.49) + 1 = 2.12. A 2→16→16→1 LeakyReLU EBM
  // trained by maximum likelihood with exact negatives (inverse-CDF samples of the current EBM on a
  // 64² grid) for 600 Adam steps (lr 0.01, batch 64). Tolerance 0.08 nats: what a piecewise-linear
  // energy of this size reaches on a quadratic (measured 0.02–0.04 over seeds) plus the test-set
  // noise (sd of −log p over 2048 points ≈ 0.02). The flipped sign must move nll_test UP from its
  // start, and end at least 1 nat above the truth.
  const auto p = gaussian_problem();
  const auto good = train_exact(*p, 600, 100, false);
  const auto bad = train_exact(*p, 600, 100, true);
  for (double v : good) std::printf("good %.4f\n", v);
  for (double v : bad) std::printf("bad %.4f\n", v);
  std::printf("nll_true %.4f\n", p->nll_true);
  EXPECT_NEAR(good.back(), p->nll_true, 0.08);
  EXPECT_LT(good.back(), good.front());
  EXPECT_GT(bad.back(), bad.front());
  EXPECT_GT(bad.back(), p->nll_true + 1.0);
}

double ed_floor_and_check(const Points& chains, const Points& exact_a, const Points& exact_b,
                          const char* name) {
  const double ed = energy_distance(chains, exact_a);
  const double floor = energy_distance(exact_b, exact_a);
  std::printf("%s energy distance %.5f (i.i.d. floor %.5f)\n", name, ed, floor);
  return ed;
}

// Statistical (≈ 1 s in release, ≈ 30 s under ASan): "Slow" keeps it out of the sanitizer pass.
TEST(EbmTrainingSlow, LangevinNegativesOnAFixedEbmMatchItsGridDistribution) {
  // A fixed EBM (trained 300 steps as above, so it is confined and unimodal); 512 persistent
  // chains, all moved at every draw, 150 draws of 10 steps (η = 0.01: about 30 relaxation times
  // σ²/η of a 0.7-wide Gaussian). Their energy distance to 1024 exact grid samples of the same EBM
  // must be within 3× the i.i.d. floor (the distance between 512 other exact samples and those,
  // ≈ 0.004 here) plus 0.003 for ULA's O(η) bias; from the uniform start it is > 10× larger.
  const auto p = gaussian_problem();
  EnergyNet net;
  train_exact(*p, 300, 300, false, &net);
  EbmSettings e = p->ebm;
  e.persistent = 512;
  EbmProblem q = *p;
  q.ebm = e;
  test_ebm::ExactGridNegatives exact(128);
  exact.reset(q, {}, 9);
  Points a, b;
  EvalCounters c;
  EnergyView view(net);
  exact.draw(view, 1024, a, c);
  exact.draw(view, 512, b, c);
  for (auto variant : {LangevinNegatives::Variant::ula, LangevinNegatives::Variant::mala}) {
    LangevinNegatives neg(variant);
    neg.reset(q, default_params(LangevinNegatives::ula_table()), 4);
    const double ed0 = energy_distance(neg.display_samples(), a);
    Points x;
    for (int d = 0; d < 150; ++d) neg.draw(view, 512, x, c);
    ASSERT_EQ(neg.failure(), "");
    const char* name = variant == LangevinNegatives::Variant::ula ? "ULA" : "MALA";
    const double ed = ed_floor_and_check(neg.display_samples(), a, b, name);
    const double floor = energy_distance(b, a);
    EXPECT_LT(ed, 3 * floor + 0.003) << name;
    EXPECT_GT(ed0, 10 * ed) << name;
  }
}

std::vector<std::pair<std::string, double>> run_ula(int threads, std::uint64_t seed,
                                                    Points* samples, Vec* params) {
  const auto p =
      make_ebm_problem(test_ebm::gmm({{1.0 / 3, Vec2(-1.5, -1.5), 0.05 * Mat2::Identity()},
                                      {2.0 / 3, Vec2(1.5, 1.5), 0.1 * Mat2::Identity()}}),
                       {2048, 512}, EbmSettings{}, 13, 64);
  std::vector<std::pair<std::string, double>> m;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    auto t = make_ebm_trainer("ula_ebm", p, {}, seed);
    for (int i = 0; i < 12; ++i) t->step();
    t->custom_metrics(m);
    *samples = t->display_samples();
    *params = static_cast<EbmTrainer&>(*t).energy_net().mlp().parameters();
  });
  return m;
}

TEST(EbmTraining, DeterministicAcrossRerunsAndThreadCounts) {
  // The paper's default EBM (10,593 parameters): 12 ULA-EBM iterations, then the metrics — bitwise
  // equal on reruns and on arenas of 1 and 2 threads; another run seed changes the negatives but
  // not E_θ's initialization or the data order.
  Points s1, s2, s3, s4;
  Vec p1, p2, p3, p4;
  const auto m1 = run_ula(1, 8, &s1, &p1);
  const auto m2 = run_ula(2, 8, &s2, &p2);
  const auto m3 = run_ula(2, 8, &s3, &p3);
  EXPECT_TRUE(s1 == s2 && s2 == s3);
  EXPECT_TRUE(p1 == p2 && p2 == p3);
  ASSERT_EQ(m1.size(), m2.size());
  for (std::size_t i = 0; i < m1.size(); ++i) {
    EXPECT_EQ(m1[i].first, m2[i].first);
    EXPECT_EQ(std::memcmp(&m1[i].second, &m2[i].second, sizeof(double)), 0) << m1[i].first;
    EXPECT_EQ(std::memcmp(&m1[i].second, &m3[i].second, sizeof(double)), 0) << m1[i].first;
  }
  run_ula(1, 9, &s4, &p4);
  EXPECT_FALSE(s4 == s1);
}

TEST(EbmTraining, DivergingEbmStopsWithAReason) {
  // SGD at learning rate 1 on the paper's network: the energies blow up within a few iterations;
  // the run must stop as diverged with a reason (non-finite energy/gradient or escaped negatives),
  // never throw or hang.
  EbmSettings e;
  e.optimizer = "sgd";
  e.learning_rate = 1.0;
  const auto p = make_ebm_problem(test_ebm::gaussian(Vec2::Zero(), 0.5), {2048, 256}, e, 2, 64);
  auto t = make_ebm_trainer("ula_ebm", p, {}, 1);
  int i = 0;
  for (; i < 2000 && !t->status().diverged; ++i) t->step();
  ASSERT_TRUE(t->status().diverged) << "did not diverge in 2000 iterations";
  EXPECT_FALSE(t->status().reason.empty());
  std::printf("diverged at %d: %s\n", i, t->status().reason.c_str());
}

}  // namespace
}  // namespace ss
