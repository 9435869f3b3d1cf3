// Nothing allocates in a RealNVP maximum-likelihood training step (NLL + gradient, clipping, AdamW)
// or in log_prob / sample at a fixed batch size, once a first call has sized the workspaces.
#include "nn/alloc_counter.h"

#include <gtest/gtest.h>

#include "core/flows/realnvp.h"

namespace ss::flows {
namespace {

TEST(RealNvpNoAlloc, TrainingStepLogProbAndSample) {
  if (!ss_test::kAllocCounterActive) GTEST_SKIP() << "allocation counter off under sanitizers";
  Rng rng(1);
  RealNvp flow(RealNvpOptions{}, rng);
  const Eigen::Index n = 1024;
  nn::RowMatrix x(n, 2), s(n, 2);
  rng.fill_normal(x);
  Vec lq(n), ld(n);
  nn::Adam adam = nn::make_adamw(flow.num_parameters(), 1e-3);
  auto step = [&] {
    flow.nll_and_gradient(x);
    nn::clip_global_norm(flow.parameters(), 1.0);
    adam.step(flow.parameters());
    flow.log_prob(x, lq);
    flow.sample(n, rng, s, ld);
  };
  step();
  {
    ss_test::AllocationCounter counter;
    step();
    step();
    EXPECT_EQ(counter.count(), 0);
  }
  {
    ss_test::AllocationCounter counter;  // a smaller batch fits the same workspace
    flow.nll_and_gradient(x.topRows(300));
    EXPECT_EQ(counter.count(), 0);
  }
}

}  // namespace
}  // namespace ss::flows
