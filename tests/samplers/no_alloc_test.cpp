// Nothing allocates inside a sampler's step() (issue 19): for every registered method at its
// defaults on the default scenario's target (the donut), once warm-up steps have sized the
// workspaces, further steps make no heap allocation. Allocation counting: tests/nn/alloc_counter.h
// (malloc & co. replaced, so Eigen's, operator new's and the standard library's allocations are
// all seen, in any build type; the test skips under sanitizers).
//
// The steps run inside a one-thread tbb::task_arena: TBB's own task objects come from per-thread
// pools, which a thread refills with malloc the first time it joins a loop; with one thread the
// count is the samplers' own and does not depend on which worker thread TBB picks. (The engine
// runs samplers in an arena of max(1, cores − 1) threads.)
//
// Warm-up and counted steps cover every block of a method's schedule: flowMC's first training
// loop (40 local, 20 training, 40 global iterations at the defaults) warms up and the second one
// is counted; the other methods repeat the same step.
//
// No exceptions any more (issue 19): DFT's one allocation per step was its finiteness check of
// the output gradient, all_finite(grad_x_.reshaped()) — an Eigen::Ref<const Vec> of a row-major
// matrix's column-major reshape is a heap temporary (found with a gdb breakpoint on malloc while
// counting; gone with allFinite()); flowMC's moved-chain score batch keeps m rows (flowmc.cpp).
#include "nn/alloc_counter.h"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <string>

#include "core/samplers/sampler.h"
#include "core/targets/target.h"

namespace ss {
namespace {

struct Steps {
  int warmup;   // steps before counting (sizes workspaces, runs one schedule cycle)
  int counted;  // steps counted
};

Steps steps_for(const std::string& kind) {
  if (kind == "flowmc") return {100, 100};  // one whole training loop each (defaults: 40+20+40)
  if (kind == "dft" || kind == "kl_ns" || kind == "amortized_svgd") return {3, 6};  // ~5–15 ms
  return {10, 20};
}

TEST(SamplerNoAlloc, StepAllocatesNothingAfterWarmUp) {
  if (!ss_test::kAllocCounterActive) GTEST_SKIP() << "allocation counter off under sanitizers";
  TargetSpec spec;
  spec.kind = "donut";
  const std::shared_ptr<const Target> target = make_target(spec);
  tbb::task_arena arena(1);
  for (const std::string& kind : sampler_kinds()) {
    SCOPED_TRACE(kind);
    std::unique_ptr<Sampler> s;
    arena.execute([&] { s = make_sampler(kind, target, {}, 7); });
    const Steps n = steps_for(kind);
    long allocations = 0;
    arena.execute([&] {
      for (int i = 0; i < n.warmup && !s->status().diverged; ++i) s->step();
      ss_test::AllocationCounter counter;
      for (int i = 0; i < n.counted && !s->status().diverged; ++i) s->step();
      allocations = counter.count();
    });
    ASSERT_FALSE(s->status().diverged) << s->status().reason;
    ASSERT_EQ(s->iteration(), n.warmup + n.counted);
    EXPECT_EQ(allocations, 0) << kind << ": " << allocations << " allocations in " << n.counted
                              << " steps after " << n.warmup << " warm-up steps";
  }
}

}  // namespace
}  // namespace ss
