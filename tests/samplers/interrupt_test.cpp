// Long steps check for interruption (issue 19, core/common/interrupt.h): with a stop requested,
// flowMC's training epoch and DFT's warm-up throw Interrupted at their first inner check, the step
// is abandoned (iteration, chains and window unchanged, every array finite) and, once the request
// is withdrawn, the sampler steps on from there; RealNvpTrainer::train leaves the flow untouched
// when interrupted before its first minibatch. The engine-level bound (a removal within a deadline
// while a long epoch runs) is in tests/engine/interrupt_session_test.cpp.
#include <gtest/gtest.h>

#include "core/common/interrupt.h"
#include "core/flows/realnvp.h"
#include "core/samplers/flowmc.h"
#include "core/samplers/sampler.h"
#include "core/targets/target.h"

namespace ss {
namespace {

std::shared_ptr<const Target> donut() {
  TargetSpec spec;
  spec.kind = "donut";
  return make_target(spec);
}

TEST(Interrupt, FlowMcEpochIsAbandonedAndTheSamplerGoesOn) {
  Interrupt stop;
  auto s = make_sampler("flowmc", donut(), {{"chains", 50}, {"local_steps", 3}, {"epochs", 2}}, 4);
  s->set_interrupt(&stop);
  auto* f = dynamic_cast<FlowMcSampler*>(s.get());
  ASSERT_NE(f, nullptr);
  for (int i = 0; i < 3; ++i) s->step();  // the local block: no inner check there
  ASSERT_EQ(f->block(), FlowMcSampler::Block::train);
  const Points chains = f->states().x;
  Points window;
  s->evaluation_samples(1000, window);
  stop.request();
  EXPECT_THROW(s->step(), Interrupted);
  EXPECT_EQ(s->iteration(), 3);
  EXPECT_EQ(f->block(), FlowMcSampler::Block::train);
  EXPECT_TRUE(f->states().x == chains);
  Points window_after;
  s->evaluation_samples(1000, window_after);
  EXPECT_TRUE(window_after == window);
  EXPECT_FALSE(s->status().diverged);
  for (auto& span : f->flow().parameters()) EXPECT_TRUE(span.value_map().allFinite());
  stop.clear();
  for (int i = 0; i < 10; ++i) s->step();  // 2 epochs, then the global block
  EXPECT_EQ(s->iteration(), 13);
  EXPECT_FALSE(s->status().diverged) << s->status().reason;
}

TEST(Interrupt, FlowMcConstructionChecksTheRequest) {
  Interrupt stop;
  stop.request();
  EXPECT_THROW(make_sampler("flowmc", donut(), {{"chains", 20}}, 1, &stop), Interrupted);
  stop.clear();
  EXPECT_NE(make_sampler("flowmc", donut(), {{"chains", 20}}, 1, &stop), nullptr);
}

TEST(Interrupt, FlowMcLastEpochFinishesTrainingInsideTheStep) {
  // Interrupted during the block's last epoch (here: its flow passes), the step does not count
  // and is redone; the sampler then moves to the global block as usual.
  Interrupt stop;
  auto s = make_sampler("flowmc", donut(), {{"chains", 30}, {"local_steps", 2}, {"epochs", 1}}, 6);
  s->set_interrupt(&stop);
  auto* f = dynamic_cast<FlowMcSampler*>(s.get());
  s->step();
  s->step();
  ASSERT_EQ(f->block(), FlowMcSampler::Block::train);
  stop.request();
  EXPECT_THROW(s->step(), Interrupted);
  EXPECT_EQ(f->block(), FlowMcSampler::Block::train);
  EXPECT_EQ(s->iteration(), 2);
  stop.clear();
  s->step();
  EXPECT_EQ(f->block(), FlowMcSampler::Block::global);
  EXPECT_EQ(s->iteration(), 3);
}

TEST(Interrupt, DftWarmUpIsAbandonedAndRedoneAtTheNextStep) {
  Interrupt stop;
  auto s = make_sampler("dft", donut(), {{"warmup_steps", 50}, {"batch_size", 64}}, 5);
  s->set_interrupt(&stop);
  stop.request();
  EXPECT_THROW(s->step(), Interrupted);
  EXPECT_EQ(s->iteration(), 0);
  EXPECT_EQ(s->counters().score + s->counters().hessian, 0u);  // no DSM step was taken
  EXPECT_TRUE(s->display_samples().allFinite());
  stop.clear();
  s->step();
  EXPECT_EQ(s->iteration(), 1);
  EXPECT_FALSE(s->status().diverged) << s->status().reason;
}

TEST(Interrupt, RealNvpTrainerInterruptedBeforeItsFirstMinibatchLeavesTheFlow) {
  Rng rng(3);
  flows::RealNvpOptions o;
  o.num_couplings = 2;
  o.hidden = {8};
  flows::RealNvp flow(o, rng);
  flows::FlowTrainOptions to;
  to.epochs = 3;
  to.batch_size = 16;
  flows::RealNvpTrainer trainer(flow, to);
  Points data(64, 2);
  rng.fill_normal(data);
  Eigen::VectorXd before(flow.num_parameters());
  Eigen::Index at = 0;
  for (const auto& span : flow.parameters()) {
    before.segment(at, span.size) = span.value_map();
    at += span.size;
  }
  Interrupt stop;
  stop.request();
  trainer.set_interrupt(&stop);
  flows::FlowTrainReport report;
  EXPECT_THROW(trainer.train(data, rng, report), Interrupted);
  EXPECT_TRUE(report.epoch_loss.empty());
  at = 0;
  for (const auto& span : flow.parameters()) {
    EXPECT_TRUE(span.value_map() == before.segment(at, span.size));
    at += span.size;
  }
  stop.clear();
  trainer.train(data, rng, report);
  EXPECT_EQ(report.epoch_loss.size(), 3u);
}

}  // namespace
}  // namespace ss
