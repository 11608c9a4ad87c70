// The fused CUDA optimizer update against the CPU reference, for every rule.
#include <gtest/gtest.h>

#include "tensor/optimizer_step.h"
#include "tests/test_support.h"

namespace hg {
namespace {

TEST(CudaOptimizer, EveryRuleMatchesCpuOverThreeSteps) {
  HG_REQUIRE_CUDA();
  for (OptimizerRule rule : {OptimizerRule::sgd, OptimizerRule::adam, OptimizerRule::rmsprop}) {
    OptimizerHyperparameters h;
    h.learning_rate = 0.01;
    h.momentum = 0.9;
    h.weight_decay = 0.01;
    Tensor p_cpu = test::random_uniform({1000}, 1), g = test::random_uniform({1000}, 2);
    Tensor first_cpu = Tensor::zeros({1000}), second_cpu = Tensor::zeros({1000});
    Tensor p_gpu = p_cpu.to(Device::cuda), g_gpu = g.to(Device::cuda);
    Tensor first_gpu = first_cpu.to(Device::cuda), second_gpu = second_cpu.to(Device::cuda);
    for (h.step = 1; h.step <= 3; ++h.step) {
      ops::optimizer_step_(rule, h, p_cpu, g, first_cpu, second_cpu);
      ops::optimizer_step_(rule, h, p_gpu, g_gpu, first_gpu, second_gpu);
    }
    EXPECT_TRUE(test::all_close(p_gpu, p_cpu, 1e-5, 1e-6)) << static_cast<int>(rule);
    EXPECT_TRUE(test::all_close(second_gpu, second_cpu, 1e-5, 1e-6));
  }
}

}  // namespace
}  // namespace hg
