#include "core/engine/curves.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace ss {
namespace {

CurvePoint at(std::int64_t i) {
  return {i, std::uint64_t(10 * i), 0.001 * double(i), double(i)};
}

TEST(Curves, UnboundedKeepsEveryPoint) {
  CurvePoints c;
  CurveThinning t;
  for (int i = 0; i < 10000; ++i) append_decimated(c, at(i), 0, t);
  ASSERT_EQ(c.size(), 10000u);
  EXPECT_EQ(c.back().iteration, 9999);
}

TEST(Curves, BoundedStaysUnderCapKeepsNewestExactAndFirstPoint) {
  const int cap = 64;
  CurvePoints c;
  CurveThinning t;
  for (int i = 0; i < 100000; ++i) {
    append_decimated(c, at(i), cap, t);
    ASSERT_LE(c.size(), size_t(cap));
  }
  // The first point survives every thinning; the newest cap/2 points are consecutive iterations.
  EXPECT_EQ(c.front().iteration, 0);
  for (size_t k = c.size() - cap / 2; k < c.size(); ++k)
    EXPECT_EQ(c[k].iteration, c[k - 1].iteration + 1) << k;
  EXPECT_EQ(c.back().iteration, 99999);
  for (size_t k = 1; k < c.size(); ++k) EXPECT_LT(c[k - 1].iteration, c[k].iteration);
  // All three cost axes travel with the point.
  for (const auto& p : c) {
    EXPECT_EQ(p.gradient_evals, std::uint64_t(10 * p.iteration));
    EXPECT_EQ(p.value, double(p.iteration));
  }
}

// Defect 2 of issue 19: after ~1.9 M passes the old thinning kept iteration 0 and then jumped to
// 1,887,232. Now the older part is every stride-th point of the whole history: no gap is wider
// than 8 × (passes / cap) (the older part keeps more than cap/8 points), and the first half of
// the history keeps its share of points.
TEST(Curves, ThinningSpansTheWholeHistoryEvenly) {
  const int cap = 4096;
  const std::int64_t n = 2000000;
  CurvePoints c;
  CurveThinning t;
  for (std::int64_t i = 0; i < n; ++i) {
    append_decimated(c, at(i), cap, t);
    ASSERT_LE(c.size(), size_t(cap));
  }
  EXPECT_EQ(c.front().iteration, 0);
  EXPECT_EQ(c.back().iteration, n - 1);
  std::int64_t widest = 0, first_half = 0;
  for (size_t k = 1; k < c.size(); ++k)
    widest = std::max(widest, c[k].iteration - c[k - 1].iteration);
  for (const auto& p : c) first_half += p.iteration < n / 2;
  EXPECT_LE(widest, 8 * n / cap) << "a gap in the thinned history";
  EXPECT_GE(first_half, cap / 16);
  EXPECT_EQ(t.ordinals.size(), c.size());
}

TEST(Curves, TinyCapBehavesLikeFour) {
  CurvePoints c;
  CurveThinning t;
  for (int i = 0; i < 100; ++i) append_decimated(c, at(i), 1, t);
  EXPECT_LE(c.size(), 4u);
  EXPECT_EQ(c.front().iteration, 0);
  EXPECT_EQ(c.back().iteration, 99);
}

TEST(Curves, AppendReportsThinning) {
  CurvePoints c;
  CurveThinning t;
  for (int i = 0; i < 8; ++i) EXPECT_FALSE(append_decimated(c, at(i), 8, t)) << i;
  EXPECT_TRUE(append_decimated(c, at(8), 8, t));  // 9 > 8 points: thinned
  EXPECT_FALSE(append_decimated(c, at(9), 0, t));
}

void expect_equal(const Curve& published, const CurvePoints& points) {
  ASSERT_EQ(published.size(), points.size());
  ASSERT_EQ(published.empty(), points.empty());
  for (size_t k = 0; k < points.size(); ++k) ASSERT_EQ(published[k].iteration, points[k].iteration);
  size_t k = 0;
  for (const CurvePoint& p : published) {
    ASSERT_EQ(p.iteration, points[k].iteration);
    ASSERT_EQ(p.gradient_evals, points[k].gradient_evals);
    ASSERT_EQ(p.sampler_seconds, points[k].sampler_seconds);
    ASSERT_EQ(p.value, points[k].value);
    ++k;
  }
  ASSERT_EQ(k, points.size());
  if (!points.empty()) {
    EXPECT_EQ(published.front().iteration, points.front().iteration);
    EXPECT_EQ(published.back().iteration, points.back().iteration);
  }
}

TEST(Curves, PublishedCurvesEqualThePointsAndShareFullChunks) {
  const size_t C = Curve::kChunk;
  CurvePoints points;
  CurveThinning t;
  CurvePublisher publisher;
  expect_equal(publisher.publish(points), points);
  Curve previous;
  for (int i = 0; i < int(3 * C + 17); ++i) {
    append_decimated(points, at(i), 0, t);
    const Curve now = publisher.publish(points);
    expect_equal(now, points);
    // Every chunk before the newest partial one is the same object as in the previous curve:
    // only the tail (< C points) was copied.
    const size_t full_before = previous.size() / C;
    ASSERT_GE(now.chunks().size(), full_before);
    for (size_t k = 0; k < full_before; ++k)
      ASSERT_EQ(now.chunks()[k].get(), previous.chunks()[k].get()) << "chunk " << k;
    for (size_t k = 0; k + 1 < now.chunks().size(); ++k) ASSERT_EQ(now.chunks()[k]->size(), C);
    previous = now;
  }
}

TEST(Curves, PublishedCurvesStayEqualAcrossThinning) {
  const int cap = int(2 * Curve::kChunk + 40);
  CurvePoints points;
  CurveThinning t;
  CurvePublisher publisher;
  int thinnings = 0;
  for (int i = 0; i < 5000; ++i) {
    if (append_decimated(points, at(i), cap, t)) {
      publisher.invalidate();
      ++thinnings;
    }
    if (i % 7 == 0 || i == 4999) expect_equal(publisher.publish(points), points);
  }
  EXPECT_GT(thinnings, 3);
}

TEST(Curves, RejectsMalformedChunks) {
  auto chunk = [](size_t n) { return std::make_shared<const Curve::Chunk>(n, at(0)); };
  EXPECT_THROW(Curve({chunk(3), chunk(3)}), std::invalid_argument);  // short chunk not last
  EXPECT_THROW(Curve({chunk(0)}), std::invalid_argument);
  EXPECT_THROW(Curve({nullptr}), std::invalid_argument);
  EXPECT_THROW(Curve({chunk(Curve::kChunk + 1)}), std::invalid_argument);
  EXPECT_EQ(Curve({chunk(Curve::kChunk), chunk(3)}).size(), Curve::kChunk + 3);
  EXPECT_EQ(Curve::from_points(CurvePoints(600, at(1))).size(), 600u);
}

}  // namespace
}  // namespace ss
