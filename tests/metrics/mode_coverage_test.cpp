// Tests of core/metrics/mode_coverage against the grid reference: exact fractions on hand-placed
// points, non-finite points, and exact reference samples on every built-in mixture target.
#include "core/metrics/mode_coverage.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/common/rng.h"
#include "core/targets/target.h"

namespace ss {
namespace {

std::shared_ptr<const GridReference> reference_of(const std::string& kind) {
  return GridReference::compute(make_target(TargetSpec{kind}));
}

// Index of the region whose centre is nearest to p.
int nearest_region(const GridReference& ref, const Vec2& p) {
  int best = 0;
  for (size_t r = 0; r < ref.regions().size(); ++r)
    if ((ref.regions()[r].center - p).norm() < (ref.regions()[best].center - p).norm())
      best = static_cast<int>(r);
  return best;
}

TEST(ModeCoverage, AllSamplesInOneModeOfGmm2to1) {
  const auto ref = reference_of("gmm_2to1");
  const auto components = ref->target().components();
  ASSERT_EQ(ref->regions().size(), 2u);
  // All 100 points at the mean of the heavy (2/3) component: fractions (0, 1) against (1/3, 2/3).
  const Vec2 heavy = components[1].mean;
  Points x(100, 2);
  for (int i = 0; i < 100; ++i) x.row(i) = heavy.transpose();
  const ModeCoverage c = mode_coverage(*ref, x);
  const int h = nearest_region(*ref, heavy), l = 1 - h;
  EXPECT_DOUBLE_EQ(c.sample_fraction[h], 1.0);
  EXPECT_DOUBLE_EQ(c.sample_fraction[l], 0.0);
  EXPECT_NEAR(c.true_mass[h], 2.0 / 3, 1e-3);  // grid masses: within the grid's error
  EXPECT_NEAR(c.total_variation, 1.0 / 3, 1e-3);
  EXPECT_EQ(c.modes_missed, 1);
  EXPECT_EQ(c.n, 100);
  // Split 1 : 2 between the two means: TV ≈ 0 (up to the grid's masses), nothing missed.
  for (int i = 0; i < 34; ++i) x.row(i) = components[0].mean.transpose();
  const ModeCoverage d = mode_coverage(*ref, x);
  EXPECT_NEAR(d.total_variation, std::abs(0.34 - 1.0 / 3), 2e-3);
  EXPECT_EQ(d.modes_missed, 0);
}

TEST(ModeCoverage, NonFiniteSamplesBelongToNoRegion) {
  const auto ref = reference_of("gmm_2to1");
  const auto components = ref->target().components();
  Points x(4, 2);
  x.row(0) = components[0].mean.transpose();
  x.row(1) = components[1].mean.transpose();
  x.row(2) = components[1].mean.transpose();
  x(3, 0) = std::numeric_limits<double>::quiet_NaN();
  x(3, 1) = 0;
  const ModeCoverage c = mode_coverage(*ref, x);
  EXPECT_DOUBLE_EQ(c.outside_fraction, 0.25);
  double total = c.outside_fraction;
  for (double f : c.sample_fraction) total += f;
  EXPECT_DOUBLE_EQ(total, 1.0);
  // Fractions (0.25, 0.5) + 0.25 outside against (1/3, 2/3): TV = ½(1/12 + 1/6 + 1/4) = 1/4.
  EXPECT_NEAR(c.total_variation, 0.25, 1e-3);
  EXPECT_THROW(mode_coverage(*ref, Points(0, 2)), std::invalid_argument);
}

// Exact samples from the grid reference, n = 20 000: the expected TV is ≈ ½ Σ_r √(2 m_r/(π n)),
// at most ≈ 0.008 for the 8-mode ring, so < 0.02 holds with a wide margin unless the regions or
// region_of disagree with the masses.
TEST(ModeCoverage, ReferenceSamplesOfEveryMixtureTarget) {
  int mixtures = 0;
  for (const std::string& kind : builtin_target_kinds()) {
    const auto target = make_target(TargetSpec{kind});
    if (target->components().empty()) continue;
    ++mixtures;
    const auto ref = GridReference::compute(target);
    EXPECT_EQ(ref->regions().size(), target->components().size()) << kind;
    Rng rng(61);
    Points x;
    ref->sample(20000, rng, x);
    const ModeCoverage c = mode_coverage(*ref, x);
    EXPECT_LT(c.total_variation, 0.02) << kind;
    EXPECT_EQ(c.modes_missed, 0) << kind;
    EXPECT_EQ(c.outside_fraction, 0.0) << kind;
  }
  EXPECT_GE(mixtures, 4);
}

}  // namespace
}  // namespace ss
