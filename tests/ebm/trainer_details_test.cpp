// EbmTrainer details: no heap allocation in a step at a fixed batch after the first steps, the
// live-EBM Target adapter (log density −E, score −∇E, finite-difference Hessian, detached after the
// trainer), live knob changes, and short-run (`init` = noise) negatives.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "core/ebm/langevin_negatives.h"
#include "core/ebm/trainer.h"
#include "ebm_test_util.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// Counts every allocation of this test executable (the counter is read around the measured loop).
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
// The nothrow and array forms too: otherwise ASan's own versions allocate (std::stable_sort's
// temporary buffer uses nothrow new) and the replaced delete frees with free(), which ASan
// reports as an alloc-dealloc mismatch, stopping every test of this executable.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n) {
  return operator new(n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return operator new(n, t);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace ss {
namespace {

std::shared_ptr<const EbmProblem> problem() {
  return make_ebm_problem(test_ebm::gaussian(Vec2(0.2, 0.1), 0.6), {2048, 256}, EbmSettings{}, 4,
                          64);
}

TEST(EbmTrainerDetails, StepsAtAFixedBatchDoNotAllocate) {
  // After 3 warm-up steps (buffers grow to the batch, the training batch of 2×64 rows) and one
  // metric pass, 20 more steps of ULA-EBM and MALA-EBM allocate nothing (operator new counted).
  for (const std::string kind : {"ula_ebm", "mala_ebm"}) {
    auto t = make_ebm_trainer(kind, problem(), {}, 2);
    for (int i = 0; i < 3; ++i) t->step();
    std::vector<std::pair<std::string, double>> m;
    t->custom_metrics(m);
    t->step();
    const long before = g_allocations.load();
    for (int i = 0; i < 20; ++i) t->step();
    const long after = g_allocations.load();
    ASSERT_FALSE(t->status().diverged) << t->status().reason;
    EXPECT_EQ(after - before, 0) << kind;
  }
}

TEST(EbmTrainerDetails, LiveTargetIsTheCurrentEbm) {
  // log density = −E_θ and score = −∇E_θ exactly (same network calls). After the trainer is gone
  // the adapter answers NaN instead of reading freed memory.
  auto t = make_ebm_trainer("ula_ebm", problem(), {}, 3);
  for (int i = 0; i < 10; ++i) t->step();
  auto& trainer = static_cast<EbmTrainer&>(*t);
  std::shared_ptr<const Target> live = t->target_ptr();
  EXPECT_EQ(live->view_box(), trainer.problem().box);
  Rng rng(1);
  Points x(20, 2);
  for (int i = 0; i < 20; ++i) x(i, 0) = rng.uniform(-1, 1), x(i, 1) = rng.uniform(-1, 1);
  Vec lp, e;
  Points s, g;
  Hessians h;
  live->evaluate(x, &lp, &s, &h);
  trainer.energy_net().energy_and_grad(x, e, g);
  EXPECT_TRUE(lp == -e);
  EXPECT_TRUE(s == -g);
  EXPECT_NEAR(live->log_density_at(x(3, 0), x(3, 1)), lp(3), 1e-12 * (1 + std::abs(lp(3))));
  const Jet j = live->jet_at(x(5, 0), x(5, 1));
  // One row vs a batch of 20: the same network, Eigen's sums in another order (last bits).
  EXPECT_NEAR(j.v, lp(5), 1e-12 * (1 + std::abs(lp(5))));
  EXPECT_NEAR(j.gx, s(5, 0), 1e-12 * (1 + std::abs(s(5, 0))));
  // The Hessian is the a.e.-exact one of a piecewise-linear energy: 0 (no tilt for ULA-EBM); a
  // central difference of the score (h = 1e-4) agrees at all but the few points within h of a
  // kink (at most 2 of 20 here; the probability per point is ≈ 1e-2).
  int agree = 0;
  const double hh = 1e-4;
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(h(i, 0), 0.0);
    EXPECT_EQ(h(i, 1), 0.0);
    EXPECT_EQ(h(i, 2), 0.0);
    Points xp(4, 2);
    xp << x(i, 0) + hh, x(i, 1), x(i, 0) - hh, x(i, 1), x(i, 0), x(i, 1) + hh, x(i, 0),
        x(i, 1) - hh;
    Vec ee;
    Points gg;
    trainer.energy_net().energy_and_grad(xp, ee, gg);
    const double sxx = -(gg(0, 0) - gg(1, 0)) / (2 * hh), syy = -(gg(2, 1) - gg(3, 1)) / (2 * hh);
    agree += std::abs(sxx) < 1e-6 && std::abs(syy) < 1e-6;
  }
  EXPECT_GE(agree, 18);
  t.reset();
  EXPECT_TRUE(std::isnan(live->log_density_at(0, 0)));
}

TEST(EbmTrainerDetails, LiveKnobChangesReachTheNegativeSampler) {
  // steps 10 → 3 between iterations: ULA's score evaluations per iteration drop from 640 to 192.
  auto t = make_ebm_trainer("ula_ebm", problem(), {}, 5);
  t->step();
  EXPECT_EQ(t->counters().score, 640u);
  t->set_param("steps", 3);
  t->step();
  EXPECT_EQ(t->counters().score, 640u + 192u);
}

TEST(EbmTrainerDetails, ShortRunNoiseInitDrawsFreshChains) {
  // init = noise: every draw starts `batch` chains from uniform noise in the box; the display
  // shows the last draw (batch rows), and the persistent chains are not used.
  auto t = make_ebm_trainer("ula_ebm", problem(), {{"init", 1}}, 6);
  for (int i = 0; i < 5; ++i) t->step();
  ASSERT_FALSE(t->status().diverged);
  EXPECT_EQ(t->display_samples().rows(), 64);
  Points e;
  t->evaluation_samples(1000, e);
  EXPECT_EQ(e.rows(), 64);
}

}  // namespace
}  // namespace ss
