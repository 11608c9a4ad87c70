// The fused CUDA optimizer update against the CPU reference, for every rule, its switches and
// both floating dtypes, over 990 elements (no multiple of a block) and three steps.
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
    EXPECT_TRUE(test::all_close(first_gpu, first_cpu, 1e-5, 1e-6)) << static_cast<int>(rule);
    EXPECT_TRUE(test::all_close(second_gpu, second_cpu, 1e-5, 1e-6)) << static_cast<int>(rule);
  }
}

// The switches (Nesterov, AdamW's decoupled decay) and f64, with a new gradient every step.
TEST(CudaOptimizer, NesterovAdamWAndF64MatchCpu) {
  HG_REQUIRE_CUDA();
  struct Case {
    OptimizerRule rule;
    bool nesterov, decoupled;
    DType dtype;
  };
  for (const Case& c : {Case{OptimizerRule::sgd, true, false, DType::f32},
                        Case{OptimizerRule::adam, false, true, DType::f32},
                        Case{OptimizerRule::sgd, true, false, DType::f64},
                        Case{OptimizerRule::adam, false, true, DType::f64},
                        Case{OptimizerRule::rmsprop, false, false, DType::f64}}) {
    OptimizerHyperparameters h;
    h.learning_rate = 0.01;
    h.momentum = 0.9;
    h.nesterov = c.nesterov;
    h.decoupled_weight_decay = c.decoupled;
    h.weight_decay = 0.05;
    double tolerance = c.dtype == DType::f64 ? 1e-12 : 1e-5;
    Tensor p_cpu = test::random_uniform({10, 99}, 3, -1, 1, c.dtype);
    Tensor first_cpu = Tensor::zeros({10, 99}, c.dtype),
           second_cpu = Tensor::zeros({10, 99}, c.dtype);
    Tensor p_gpu = p_cpu.to(Device::cuda), first_gpu = first_cpu.to(Device::cuda);
    Tensor second_gpu = second_cpu.to(Device::cuda);
    for (h.step = 1; h.step <= 3; ++h.step) {
      Tensor g = test::random_uniform({10, 99}, 10 + static_cast<uint64_t>(h.step), -1, 1, c.dtype);
      ops::optimizer_step_(c.rule, h, p_cpu, g, first_cpu, second_cpu);
      ops::optimizer_step_(c.rule, h, p_gpu, g.to(Device::cuda), first_gpu, second_gpu);
    }
    std::string name = std::to_string(static_cast<int>(c.rule)) + " " + dtype_name(c.dtype);
    EXPECT_TRUE(test::all_close(p_gpu, p_cpu, tolerance, tolerance)) << name;
    EXPECT_TRUE(test::all_close(first_gpu, first_cpu, tolerance, tolerance)) << name;
    EXPECT_TRUE(test::all_close(second_gpu, second_cpu, tolerance, tolerance)) << name;
  }
}

}  // namespace
}  // namespace hg
