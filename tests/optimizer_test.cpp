// Optimizers and schedules against closed forms of torch.optim's update rules, each update on
// every device; the CPU step's flush-to-zero. Then the fused CUDA update against the CPU
// reference (rtol 1e-5 in f32, 1e-12 in f64) for every rule, its switches and both floating
// dtypes, over sizes that are no multiple of a block and three steps.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "autograd/ops.h"
#include "tensor/cpu/optimizer_step.h"
#include "tensor/optimizer_step.h"
#include "tests/device_test.h"
#include "train/lr_schedule.h"
#include "train/optimizer.h"

namespace hg {
namespace {

Tensor parameter(std::vector<double> values, Device device = Device::cpu) {
  return Tensor::from_vector(values, {static_cast<int64_t>(values.size())})
      .to(device)
      .set_requires_grad(true);
}

class Optimizer : public test::DeviceTest {};

TEST_P(Optimizer, SgdWithMomentumFollowsTorchForTwoSteps) {
  // L = Σ 0.5 p²  →  g = p.  p0 = 1, lr 0.1, μ 0.9:
  // step 1: b = g = 1,           p = 1 − 0.1·1 = 0.9
  // step 2: b = 0.9·1 + 0.9 = 1.8, p = 0.9 − 0.18 = 0.72
  Tensor p = parameter({1.0}, device());
  hg::Optimizer sgd = make_sgd({p}, 0.1, 0.9);
  for (int step = 0; step < 2; ++step) {
    sgd.zero_grad();
    backward(sum(square(p) * 0.5));
    sgd.step();
  }
  EXPECT_NEAR(p.item<double>(), 0.72, 1e-12);
}

TEST_P(Optimizer, NesterovAndWeightDecay) {
  // g = p + λp = 1.5 (λ 0.5, p 1); b = 1.5; nesterov g = 1.5 + 0.9·1.5 = 2.85; p = 1 − 0.285
  Tensor p = parameter({1.0}, device());
  hg::Optimizer sgd = make_sgd({p}, 0.1, 0.9, true, 0.5);
  backward(sum(square(p) * 0.5));
  sgd.step();
  EXPECT_NEAR(p.item<double>(), 0.715, 1e-12);
}

TEST_P(Optimizer, AdamFirstStepMovesEachWeightByTheLearningRate) {
  // After bias correction m̂ = g and v̂ = g², so the first step is lr·g/(|g| + ε) ≈ lr·sign(g).
  Tensor p = parameter({2.0, -3.0}, device());
  hg::Optimizer adam = make_adam({p}, 0.01);
  backward(sum(square(p)));
  adam.step();
  std::vector<double> values = p.to_vector<double>();
  EXPECT_NEAR(values[0], 2.0 - 0.01, 1e-9);
  EXPECT_NEAR(values[1], -3.0 + 0.01, 1e-9);
}

#if defined(__SSE__)
TEST(OptimizerCpu, CpuStepFlushesSubnormalStateToZeroAndRestoresTheThreadsMode) {
  // A zero gradient decays Adam's moments by β each step; at the smallest subnormal, 0.9 · 2⁻¹⁴⁹
  // rounds back to 2⁻¹⁴⁹ and the element would cost a microcode assist on every step for good.
  // With flush-to-zero it becomes 0. 40,000 elements: the loop runs on the whole team.
  const float tiny = std::numeric_limits<float>::denorm_min();
  const int64_t count = 40000;
  std::vector<float> parameter(count, 1.0f), gradient(count, 0.0f), first(count, tiny),
      second(count, tiny);
  OptimizerHyperparameters h;
  h.step = 10;
  cpu::optimizer_step<float>(OptimizerRule::adam, h, 1 - std::pow(0.9f, 10.0f),
                             1 - std::pow(0.999f, 10.0f), parameter.data(), gradient.data(),
                             first.data(), second.data(), count);
  for (int64_t i = 0; i < count; i += 997) {
    EXPECT_EQ(first[i], 0.0f) << i;
    EXPECT_EQ(second[i], 0.0f) << i;
    EXPECT_EQ(parameter[i], 1.0f) << i;
  }
  volatile float smallest_normal = std::numeric_limits<float>::min();
  EXPECT_GT(smallest_normal / 2, 0.0f) << "the caller's thread still makes subnormals";
}
#endif

// The update reads the learning rate and step from its step values (what a CUDA graph's replay
// reads from device memory), not from the hyperparameters it was called with: Adam at step 3
// with lr 0.01 from the values, though the call says lr 5 at step 1.
TEST(OptimizerCpu, TheUpdateReadsItsStepAndLearningRateFromTheStepValues) {
  OptimizerHyperparameters written;
  written.learning_rate = 0.01;
  written.step = 3;
  OptimizerHyperparameters called = written;
  called.learning_rate = 5;
  called.step = 1;
  Tensor p = Tensor::from_vector(std::vector<float>{1.0f}, {1});
  Tensor g = Tensor::from_vector(std::vector<float>{0.5f}, {1});
  Tensor first = Tensor::zeros({1}), second = Tensor::zeros({1});
  ops::optimizer_step_(OptimizerRule::adam, called,
                       ops::optimizer_step_values(written, Device::cpu), p, g, first, second);
  // m = 0.05, v = 0.00025; m̂ = m / (1 − 0.9³), v̂ = v / (1 − 0.999³); p = 1 − 0.01·m̂/(√v̂ + ε).
  const double m = 0.1 * 0.5, v = 0.001 * 0.25;
  const double expected =
      1 - 0.01 * (m / (1 - std::pow(0.9, 3))) / (std::sqrt(v / (1 - std::pow(0.999, 3))) + 1e-8);
  EXPECT_NEAR(p.item<float>(), expected, 1e-6);
  EXPECT_EQ(ops::optimizer_step_values(written, Device::cpu).to_vector<double>(),
            (std::vector<double>{0.01, 3, 1 - std::pow(0.9, 3), 1 - std::pow(0.999, 3)}));
}

TEST_P(Optimizer, AdamWDecaysWeightsBeforeTheUpdate) {
  Tensor p = parameter({2.0}, device());
  hg::Optimizer adamw = make_adamw({p}, 0.01, 0.1);
  backward(sum(square(p)));
  adamw.step();
  EXPECT_NEAR(p.item<double>(), 2.0 * (1 - 0.01 * 0.1) - 0.01, 1e-9);
}

TEST_P(Optimizer, RmspropFirstStep) {
  // v = (1 − α) g²;  p −= lr·g / (√v + ε) = lr / √(1 − α) for g > 0.
  Tensor p = parameter({1.0}, device());
  hg::Optimizer rmsprop = make_rmsprop({p}, 0.01, 0.99, 0);
  backward(sum(p * 4.0));
  rmsprop.step();
  EXPECT_NEAR(p.item<double>(), 1.0 - 0.01 / std::sqrt(0.01), 1e-9);
}

TEST_P(Optimizer, StateRoundTripsThroughItsStateDict) {
  Tensor p = parameter({1.0, 2.0}, device());
  hg::Optimizer adam = make_adam({p}, 0.1);
  backward(sum(square(p)));
  adam.step();
  Tensor q = parameter({1.0, 2.0}, device());
  hg::Optimizer restored = make_adam({q}, 0.1);
  restored.load_state_dict(adam.state_dict());
  EXPECT_EQ(restored.step_count(), 1);
  q.set_data(p.detach().clone());
  for (hg::Optimizer* optimizer : {&adam, &restored}) {
    optimizer->zero_grad();
  }
  backward(sum(square(p)));
  backward(sum(square(q)));
  adam.step();
  restored.step();
  EXPECT_TRUE(test::all_close(q.detach(), p.detach(), 0, 0));
}

TEST_P(Optimizer, ClipGradNormScalesToTheLimit) {
  Tensor p = parameter({3.0, 4.0}, device());
  backward(sum(p * p * 0.5));  // g = p, |g| = 5
  EXPECT_NEAR(clip_grad_norm({p}, 1.0), 5.0, 1e-12);
  EXPECT_NEAR(p.grad().to_vector<double>()[1], 0.8, 1e-6);
}

TEST(OptimizerErrors, UnknownNamesAreErrors) {
  EXPECT_THROW(make_optimizer("adamax", {parameter({1.0})}, 0.1, 0, 0), Error);
  LrSchedule schedule;
  schedule.kind = "exponential";
  EXPECT_THROW(schedule.at(0), Error);
}

TEST(LrSchedule, FormulasMatchTorch) {
  LrSchedule schedule;
  schedule.base_learning_rate = 1.0;
  schedule.kind = "step";
  schedule.step_size = 10;
  schedule.gamma = 0.5;
  EXPECT_DOUBLE_EQ(schedule.at(9), 1.0);
  EXPECT_DOUBLE_EQ(schedule.at(25), 0.25);
  schedule.kind = "multistep";
  schedule.milestones = {3, 7};
  EXPECT_DOUBLE_EQ(schedule.at(7), 0.25);
  schedule.kind = "cosine";
  schedule.total_steps = 100;
  EXPECT_DOUBLE_EQ(schedule.at(50), 0.5);
  EXPECT_DOUBLE_EQ(schedule.at(100), 0.0);
  schedule.warmup_steps = 4;
  EXPECT_DOUBLE_EQ(schedule.at(1), 0.5);
}

HG_INSTANTIATE_DEVICE_TEST(Optimizer);

// The fused CUDA update against the CPU one.
class CudaOptimizer : public test::DeviceTest {};

TEST_P(CudaOptimizer, EveryRuleMatchesCpuOverThreeSteps) {
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
TEST_P(CudaOptimizer, NesterovAdamWAndF64MatchCpu) {
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

HG_INSTANTIATE_CUDA_TEST(CudaOptimizer);

}  // namespace
}  // namespace hg
