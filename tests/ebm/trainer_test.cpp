// EbmTrainer: the registry, a training run's counters, statistics and metrics names, determinism
// across reruns and thread counts, a diverging EBM stopping with a reason, the blow-up rule, and
// set_problem (issue 16: live settings and redrawn data continue the training).
#include "core/ebm/trainer.h"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include "ebm_test_util.h"

namespace ss {
namespace {

std::shared_ptr<const EbmProblem> two_mode_problem(EbmSettings e = test_ebm::small_ebm()) {
  const auto t = test_ebm::gmm({{1.0 / 3, Vec2(-1.5, -1.5), 0.05 * Mat2::Identity()},
                                {2.0 / 3, Vec2(1.5, 1.5), 0.1 * Mat2::Identity()}});
  return make_ebm_problem(t, {4096, 1024}, e, 21, 64);
}

double metric(const std::vector<std::pair<std::string, double>>& m, const std::string& name) {
  for (const auto& [k, v] : m)
    if (k == name) return v;
  ADD_FAILURE() << "no metric " << name;
  return 0;
}

TEST(EbmTrainer, RegistryListsKindsAndRefusesUnknownOnes) {
  const auto kinds = ebm_kinds();
  ASSERT_GE(kinds.size(), 2u);
  EXPECT_EQ(kinds[0], "ula_ebm");
  EXPECT_EQ(kinds[1], "mala_ebm");
  for (const auto& k : kinds) {
    EXPECT_FALSE(ebm_about(k).empty());
    EXPECT_FALSE(ebm_display_name(k).empty());
    EXPECT_FALSE(ebm_param_table(k).empty());
  }
  EXPECT_THROW(ebm_param_table("ula"), ParamError);
  EXPECT_THROW(make_ebm_trainer("nope", two_mode_problem(), {}, 1), ParamError);
  EXPECT_THROW(make_ebm_trainer("ula_ebm", two_mode_problem(), {{"steps", 0}}, 1), ParamError);
}

TEST(EbmTrainer, StepsCountEvaluationsAndReportMetrics) {
  const auto p = two_mode_problem();
  for (const std::string kind : {"ula_ebm", "mala_ebm"}) {
    auto t = make_ebm_trainer(kind, p, {{"steps", 5}}, 3);
    for (int i = 0; i < 20; ++i) t->step();
    ASSERT_FALSE(t->status().diverged) << t->status().reason;
    EXPECT_EQ(t->iteration(), 20);
    // ULA: 5 score evaluations per negative per step; MALA one more per draw.
    EXPECT_EQ(t->counters().score, std::uint64_t(20 * 64 * (kind == "ula_ebm" ? 5 : 6)));
    EXPECT_EQ(t->target().view_box(), p->box);
    EXPECT_EQ(t->display_samples().rows(), 256);
    std::vector<std::pair<std::string, double>> m;
    ASSERT_TRUE(t->custom_metrics(m));
    for (const char* name : {"nll_test", "nll_true", "kl_true_model", "mode_weight_1",
                             "mode_weight_2", "mode_tv", "logp_median_sq_error",
                             "neg_mode_weight_1", "neg_mode_weight_2", "neg_mode_tv", "neg_ksd2"})
      EXPECT_TRUE(std::isfinite(metric(m, name))) << kind << " " << name;
    EXPECT_NEAR(metric(m, "mode_weight_1") + metric(m, "mode_weight_2"), 1.0, 1e-9);
    EXPECT_EQ(static_cast<EbmTrainer&>(*t).log_density_grid().size(), 64u * 64u);
    const auto stats = t->statistics();
    EXPECT_EQ(stats[0].first, "loss");
    EXPECT_EQ(stats[1].first, "energy_data");
    EXPECT_EQ(stats[2].first, "energy_negative");
    if (kind == "mala_ebm") {
      const double a = metric(stats, "accept_local");
      EXPECT_GT(a, 0.0);
      EXPECT_LE(a, 1.0);
    }
  }
}

}  // namespace
}  // namespace ss

namespace ss {
namespace {

TEST(EbmTrainer, EveryRunOfAScenarioStartsFromTheSameEnergy) {
  // E_θ's initialization comes from the scenario seed's init stream, not the run's seed: two runs
  // with different run seeds (and different kinds) start from bitwise the same parameters; another
  // scenario seed gives other ones.
  const auto p = two_mode_problem();
  auto a = make_ebm_trainer("ula_ebm", p, {}, 1);
  auto b = make_ebm_trainer("mala_ebm", p, {}, 2);
  const Vec pa = static_cast<EbmTrainer&>(*a).energy_net().mlp().parameters();
  const Vec pb = static_cast<EbmTrainer&>(*b).energy_net().mlp().parameters();
  EXPECT_TRUE(pa == pb);
  EbmSettings e = test_ebm::small_ebm();
  const auto q = make_ebm_problem(test_ebm::gaussian(Vec2::Zero(), 1), {1024, 64}, e, 22, 32);
  auto c = make_ebm_trainer("ula_ebm", q, {}, 1);
  EXPECT_FALSE(pa == Vec(static_cast<EbmTrainer&>(*c).energy_net().mlp().parameters()));
}

TEST(EbmTrainer, BlowUpRuleStopsAModelWhoseLogDensitySpansMoreThanTheBound) {
  // A trained model, then its output layer's weights scaled by k: E_θ = k·(W a) + b, so the
  // model's log-density range on the grid becomes k times what it was (the bias cancels). Past
  // ebm.max_log_density_range (default 16,384 nats) the metric pass stops the run with the range
  // in its reason, records nothing and keeps the last good density; the same network under a
  // larger bound is not stopped and reports the scaled range. The factor is the only tolerance
  // source: energies are evaluated in single precision (~1e-6 relative, energy.h), so 1e-4.
  const auto p = two_mode_problem();
  auto t = make_ebm_trainer("ula_ebm", p, {}, 3);
  for (int i = 0; i < 5; ++i) t->step();
  std::vector<std::pair<std::string, double>> m;
  ASSERT_TRUE(t->custom_metrics(m));
  ASSERT_FALSE(t->status().diverged) << t->status().reason;
  const double r0 = metric(m, "log_density_range");
  ASSERT_TRUE(r0 > 0 && r0 < 100) << r0;  // a fresh model is nearly flat
  auto& trainer = static_cast<EbmTrainer&>(*t);
  const std::vector<double> good = trainer.log_density_grid();
  const double k = 2 * p->ebm.max_log_density_range / r0;
  nn::Mlp& mlp = trainer.energy_net().mlp();
  mlp.weight(mlp.num_layers() - 1) *= k;
  m.clear();
  ASSERT_TRUE(t->custom_metrics(m));
  ASSERT_TRUE(t->status().diverged);
  EXPECT_EQ(t->status().iteration, 5);
  EXPECT_TRUE(m.empty()) << "the blown-up pass records nothing";
  EXPECT_EQ(trainer.log_density_grid(), good) << "the last good density is kept";
  const std::string& reason = t->status().reason;
  EXPECT_EQ(reason.rfind("EBM blew up: log_density_range", 0), 0u) << reason;
  EXPECT_NE(reason.find("above ebm.max_log_density_range = 16384"), std::string::npos) << reason;
  const auto is = reason.find(" is "), nats = reason.find(" nats");
  ASSERT_TRUE(is != std::string::npos && nats != std::string::npos) << reason;
  // (printed with 3 significant digits: 0.5 % at most)
  EXPECT_NEAR(std::stod(reason.substr(is + 4, nats - is - 4)), k * r0, 5e-3 * k * r0) << reason;

  // The bound is the setting: the same training and the same scaled network under 1e6 go on.
  EbmSettings loose = test_ebm::small_ebm();
  loose.max_log_density_range = 1e6;
  const auto q = two_mode_problem(loose);
  auto u = make_ebm_trainer("ula_ebm", q, {}, 3);
  for (int i = 0; i < 5; ++i) u->step();
  auto& trainer_u = static_cast<EbmTrainer&>(*u);
  nn::Mlp& mlp_u = trainer_u.energy_net().mlp();
  mlp_u.weight(mlp_u.num_layers() - 1) *= k;
  m.clear();
  ASSERT_TRUE(u->custom_metrics(m));
  EXPECT_FALSE(u->status().diverged) << u->status().reason;
  EXPECT_NEAR(metric(m, "log_density_range"), k * r0, 1e-4 * k * r0);
  u->step();  // and it trains on
  EXPECT_EQ(u->iteration(), 6);
}

TEST(EbmTrainer, SetProblemContinuesWithTheNewSettingsInPlace) {
  // Issue 16: a live EBM setting goes through set_problem. Three trainers of one problem and
  // seed step 5 times; A gets a problem copy with learning rate 0.002 and l2 0.1, B the same
  // values straight on its optimizer (the in-place reference: θ and Adam's moments kept). Their
  // next steps are bitwise equal, and differ from a trainer C that kept 0.01 — so the rate
  // changed and nothing else did. Then batch 16 and persistent 300: the next step draws 16
  // negatives (ULA: 16 × 10 scores), the pool has 300 chains, the first 256 unchanged.
  const auto p = two_mode_problem();
  auto a = make_ebm_trainer("ula_ebm", p, {}, 4), b = make_ebm_trainer("ula_ebm", p, {}, 4),
       c = make_ebm_trainer("ula_ebm", p, {}, 4);
  for (int i = 0; i < 5; ++i) a->step(), b->step(), c->step();
  auto& ta = static_cast<EbmTrainer&>(*a);
  auto& tb = static_cast<EbmTrainer&>(*b);
  auto& tc = static_cast<EbmTrainer&>(*c);
  ASSERT_TRUE(ta.energy_net().mlp().parameters() == tc.energy_net().mlp().parameters());
  auto q = std::make_shared<EbmProblem>(*p);
  q->ebm.learning_rate = 0.002;
  q->ebm.l2 = 0.1;
  ta.set_problem(q);
  EXPECT_EQ(ta.energy_net().learning_rate(), 0.002);
  EXPECT_EQ(ta.energy_net().l2(), 0.1);
  EXPECT_EQ(a->iteration(), 5);
  EXPECT_TRUE(ta.energy_net().mlp().parameters() == tc.energy_net().mlp().parameters())
      << "θ is kept";
  tb.energy_net().set_learning_rate(0.002);
  tb.energy_net().set_l2(0.1);
  a->step(), b->step(), c->step();
  EXPECT_TRUE(ta.energy_net().mlp().parameters() == tb.energy_net().mlp().parameters());
  EXPECT_FALSE(ta.energy_net().mlp().parameters() == tc.energy_net().mlp().parameters());
  EXPECT_EQ(a->iteration(), 6);

  const Points before = a->display_samples();
  ASSERT_EQ(before.rows(), 256);
  auto r = std::make_shared<EbmProblem>(*q);
  r->ebm.batch = 16;
  r->ebm.persistent = 300;
  ta.set_problem(r);
  const Points& after = a->display_samples();
  ASSERT_EQ(after.rows(), 300);
  EXPECT_TRUE(after.topRows(256) == before) << "existing chains kept";
  for (Eigen::Index i = 256; i < 300; ++i)
    EXPECT_TRUE(p->box.contains(after(i, 0), after(i, 1))) << "new chain " << i;
  const std::uint64_t scores = a->counters().score;
  a->step();
  EXPECT_EQ(a->counters().score - scores, 16u * 10u);
  EXPECT_FALSE(a->status().diverged) << a->status().reason;

  // A new network cannot continue: refused, nothing changed.
  auto bad = std::make_shared<EbmProblem>(*r);
  bad->ebm.hidden = {8};
  EXPECT_THROW(ta.set_problem(bad), std::invalid_argument);
  EXPECT_EQ(&ta.problem(), r.get());
}

TEST(EbmTrainer, SetProblemWithRedrawnDataKeepsThetaAndChainsAndMovesTheBox) {
  // A dragged data mode: new data from a moved mixture (another box). θ, the iteration count and
  // the chains inside the new box are kept; chains outside it are clamped into it; the metrics
  // and the live target's view box follow the new problem; flowMC and SteinGAN continue too.
  const auto p = two_mode_problem();
  const auto t2 = test_ebm::gmm({{1.0 / 3, Vec2(-1.0, -1.5), 0.05 * Mat2::Identity()},
                                 {2.0 / 3, Vec2(2.5, 1.5), 0.1 * Mat2::Identity()}});
  const auto q = make_ebm_problem(t2, {4096, 1024}, test_ebm::small_ebm(), 21, 64);
  ASSERT_FALSE(q->box == p->box);
  for (const std::string kind : {"ula_ebm", "mala_ebm", "flowmc_ebm", "steingan"}) {
    SCOPED_TRACE(kind);
    auto t = make_ebm_trainer(kind, p, {}, 8);
    for (int i = 0; i < 3; ++i) t->step();
    auto& tr = static_cast<EbmTrainer&>(*t);
    const Vec theta = tr.energy_net().mlp().parameters();
    const Points chains = t->display_samples();
    tr.set_problem(q);
    EXPECT_EQ(t->iteration(), 3);
    EXPECT_TRUE(tr.energy_net().mlp().parameters() == theta);
    EXPECT_TRUE(t->target().view_box() == q->box);
    if (kind == "ula_ebm" || kind == "mala_ebm") {
      const Points& now = t->display_samples();
      ASSERT_EQ(now.rows(), chains.rows());
      for (Eigen::Index i = 0; i < now.rows(); ++i) {
        ASSERT_TRUE(q->box.contains(now(i, 0), now(i, 1))) << i;
        if (q->box.contains(chains(i, 0), chains(i, 1)))
          EXPECT_TRUE(now.row(i) == chains.row(i)) << i;
      }
    }
    for (int i = 0; i < 3; ++i) t->step();
    EXPECT_EQ(t->iteration(), 6);
    ASSERT_FALSE(t->status().diverged) << t->status().reason;
    std::vector<std::pair<std::string, double>> m;
    ASSERT_TRUE(t->custom_metrics(m));
    EXPECT_NEAR(metric(m, "nll_true"), q->nll_true, 1e-12) << "metrics on the new data";
    EXPECT_TRUE(std::isfinite(metric(m, "nll_test")));
  }
}

}  // namespace
}  // namespace ss

namespace ss {
namespace {

// Every ebm kind's step checks for interruption inside its negatives' draw (core/common/
// interrupt.h): with a stop requested the step throws Interrupted, the iteration does not advance
// and the negatives shown (persistent chains, pool, generator display set) are unchanged; with
// the request withdrawn the trainer steps on.
TEST(EbmTrainer, InterruptedStepIsAbandonedForEveryKind) {
  const auto p = two_mode_problem();
  for (const auto& kind : ebm_kinds()) {
    SCOPED_TRACE(kind);
    auto t = make_ebm_trainer(kind, p, {}, 3);
    Interrupt stop;
    t->set_interrupt(&stop);
    t->step();
    const Points shown = t->display_samples();
    stop.request();
    EXPECT_THROW(t->step(), Interrupted);
    EXPECT_EQ(t->iteration(), 1);
    EXPECT_TRUE(t->display_samples() == shown);
    EXPECT_FALSE(t->status().diverged) << t->status().reason;
    stop.clear();
    t->step();
    EXPECT_EQ(t->iteration(), 2);
  }
}

}  // namespace
}  // namespace ss
