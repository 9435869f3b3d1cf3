// Tests of core/engine/worker_publish.cpp: what a snapshot says about the reference. The i.i.d.
// KSD lines and the reference travel together: a snapshot without the reference carries NaN lines
// (never 0 or a previous target's values), and one with it carries finite, positive lines.
#include <gtest/gtest.h>

#include <cmath>

#include "core/engine/session.h"
#include "engine/toy_sampler.h"
#include "engine/wait.h"

namespace ss {
namespace {

using testing::run_to_end;
using testing::walker_catalog;
using testing::walker_scenario;

void expect_lines_match_reference(const Snapshot& s) {
  const double lines[] = {s.ksd2_iid_mean, s.ksd2_iid_std, s.ksd2_u_iid_mean, s.ksd2_u_iid_std,
                          s.ksd2_u_iid_rms};
  for (double v : lines) {
    if (s.reference)
      EXPECT_TRUE(std::isfinite(v)) << v;
    else
      EXPECT_TRUE(std::isnan(v)) << v;
  }
  if (s.reference) EXPECT_GT(s.ksd2_iid_mean, 0);
}

TEST(WorkerPublish, IidLinesArePublishedWithTheReferenceOnly) {
  SessionOptions o;
  o.threads = 1;
  o.reference_resolution = 64;
  o.snapshot_interval = 0.005;
  o.methods = walker_catalog();
  Session s(walker_scenario(1, 50), o);
  expect_lines_match_reference(*s.sync());
  const auto end = run_to_end(s);
  ASSERT_TRUE(end->reference) << end->reference_error;
  expect_lines_match_reference(*end);
}

}  // namespace
}  // namespace ss
