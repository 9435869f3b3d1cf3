// Nothing allocates inside a training step at a fixed batch size (after a first, warm-up step
// that sizes the workspaces). Allocation counting: see alloc_counter.h.
#include "nn/alloc_counter.h"

#include <gtest/gtest.h>

#include "core/nn/mlp.h"
#include "core/nn/optim.h"

namespace ss::nn {
namespace {

TEST(NoAlloc, CounterSeesAllocations) {
  if (!ss_test::kAllocCounterActive) GTEST_SKIP() << "allocation counter off under sanitizers";
  ss_test::AllocationCounter counter;
  Eigen::MatrixXd m(100, 100);  // must be seen, or the other tests prove nothing
  m.setZero();
  std::vector<double> v(10);
  EXPECT_GE(counter.count(), 2);
}

// A DFT-like step: generator forward + parameter backward, score net forward + input VJP +
// Jacobians + parameter backward, clipping and Adam over both networks.
void training_step(Mlp& gen, Mlp& score, const RowMatrix& z, RowMatrix& x, RowMatrix& v,
                   RowMatrix& w, RowMatrix& jac, Adam& adam) {
  gen.forward(z, x);
  score.forward(x);
  score.input_vjp(w, v);
  score.input_jacobians(jac);
  score.backward(w, GradMode::kOverwrite);
  gen.backward(v, GradMode::kOverwrite);
  RowsView y = gen.forward(z);  // a second forward into the same workspace
  gen.backward(y, GradMode::kAccumulate);
  ParameterSpan spans[2] = {gen.parameter_span(), score.parameter_span()};
  clip_global_norm(spans, 1.0);
  adam.step(spans);
}

TEST(NoAlloc, MlpTrainingStepAtFixedBatchSize) {
  if (!ss_test::kAllocCounterActive) GTEST_SKIP() << "allocation counter off under sanitizers";
  for (Activation act : {Activation::kSiLU, Activation::kTanh, Activation::kReLU,
                         Activation::kLeakyReLU, Activation::kSoftplus, Activation::kTanhSiLU}) {
    Rng rng(1);
    Mlp gen({2, 128, 128, 2}, act), score({2, 64, 64, 64, 2}, act);
    gen.initialize(rng);
    score.initialize(rng);
    const Eigen::Index n = 1024;  // large enough for Eigen's blocked GEMM paths
    RowMatrix z(n, 2), x(n, 2), v(n, 2), w(n, 2), jac(n, 4);
    rng.fill_normal(z);
    rng.fill_normal(w);
    ParameterSpan spans[2] = {gen.parameter_span(), score.parameter_span()};
    Adam adam(total_size(spans));
    training_step(gen, score, z, x, v, w, jac, adam);  // warm-up sizes the workspaces
    {
      ss_test::AllocationCounter counter;
      training_step(gen, score, z, x, v, w, jac, adam);
      EXPECT_EQ(counter.count(), 0) << activation_name(act);
    }
    // Smaller batches fit in the same workspace: still no allocation.
    {
      ss_test::AllocationCounter counter;
      RowsView y = gen.forward(z.topRows(100));
      gen.backward(y, GradMode::kOverwrite);
      EXPECT_EQ(counter.count(), 0) << activation_name(act);
    }
  }
}

}  // namespace
}  // namespace ss::nn
