#include "core/samplers/chain_window.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/common/rng.h"

namespace ss {
namespace {

Points constant(Eigen::Index m, double v) {
  Points p(m, 2);
  for (Eigen::Index i = 0; i < m; ++i) p(i, 0) = v, p(i, 1) = 100 * v + double(i);
  return p;
}

TEST(ChainWindow, ThinsRecordsAndReturnsTheNewestPointsFirst) {
  ChainWindow w;
  w.configure(4, 3, 2);  // 4 chains, 3 records, every 2nd offer
  w.record(constant(4, 0), 0);
  for (int k = 1; k <= 6; ++k) w.offer(constant(4, k), std::uint64_t(10 * k));
  // Recorded: 0 (explicit), then offers 2, 4, 6; the ring keeps the last 3: 2, 4, 6.
  ASSERT_EQ(w.size(), 3);
  EXPECT_EQ(w.record_back(0)(0, 0), 6);
  EXPECT_EQ(w.record_back(2)(0, 0), 2);
  EXPECT_EQ(w.cost_back(0), 60u);
  Points out;
  w.latest(6, out);  // the newest record (4 rows) + 2 strided chains of the previous one
  ASSERT_EQ(out.rows(), 6);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(out(i, 0), 6);
  EXPECT_EQ(out(4, 0), 4);
  EXPECT_EQ(out(4, 1), 400);  // chain 0
  EXPECT_EQ(out(5, 1), 402);  // chain 2 (stride 4/2)
  const Eigen::MatrixXd d = w.draws(0);
  ASSERT_EQ(d.rows(), 3);
  ASSERT_EQ(d.cols(), 4);
  EXPECT_EQ(d(0, 0), 2);  // oldest first
  EXPECT_EQ(d(2, 3), 6);
}

TEST(ChainWindow, GrowsToHoldTheRequestedPointsAndKeepsItsContent) {
  ChainWindow w;
  w.configure(2, 2, 1);
  for (int k = 0; k < 3; ++k) w.offer(constant(2, k), 0);
  EXPECT_EQ(w.size(), 2);
  Points out;
  w.latest(10, out);  // needs 5 records: grows to 5, holds only 2 so far
  EXPECT_EQ(w.capacity(), 5);
  ASSERT_EQ(out.rows(), 4);
  EXPECT_EQ(out(0, 0), 2);
  EXPECT_EQ(out(3, 0), 1);
  for (int k = 3; k < 9; ++k) w.offer(constant(2, k), 0);
  w.latest(10, out);
  ASSERT_EQ(out.rows(), 10);
  EXPECT_EQ(out(0, 0), 8);
  EXPECT_EQ(out(9, 0), 4);
}

TEST(ChainWindow, DiagnosticsNeedFourRecordsAndSeeChainsThatDisagree) {
  ChainWindow w;
  w.configure(8, 50, 1);
  Rng rng(5);
  Points x(8, 2);
  auto fill = [&](double offset_for_half) {
    for (int i = 0; i < 8; ++i)
      x(i, 0) = rng.normal() + (i < 4 ? offset_for_half : 0), x(i, 1) = rng.normal();
  };
  fill(0);
  w.offer(x, 0);
  EXPECT_TRUE(std::isnan(window_diagnostics(w).rhat));
  for (int t = 1; t < 50; ++t) {
    fill(0);
    w.offer(x, std::uint64_t(8 * t));
  }
  const WindowDiagnostics good = window_diagnostics(w);
  // 8 chains × 50 independent draws: R-hat within 1.05 of 1, ESS near 400 (±50 %).
  EXPECT_LT(good.rhat, 1.05);
  EXPECT_GT(good.ess_bulk, 200);
  EXPECT_EQ(good.window_cost, 8.0 * 49);
  for (int t = 0; t < 50; ++t) {
    fill(3.0);  // half of the chains sit 3σ away
    w.offer(x, 0);
  }
  EXPECT_GT(window_diagnostics(w).rhat, 1.5);
}

}  // namespace
}  // namespace ss
