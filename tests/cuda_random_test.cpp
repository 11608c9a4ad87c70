// Seeded random numbers on CUDA against the CPU: the same seed and offset give the same
// numbers on both devices (bit for bit where the formula is exact, rtol 1e-5 for normal's
// log/cos), also for counters past 2^32 and broadcast probabilities, and draws on either device
// advance the one generator alike.
#include <gtest/gtest.h>

#include "tensor/ops.h"
#include "tests/test_support.h"

namespace hg {
namespace {

using test::all_close;

TEST(CudaRandom, UniformAndNormalMatchCpu) {
  HG_REQUIRE_CUDA();
  for (DType dtype : {DType::f32, DType::f64}) {
    manual_seed(123);
    Tensor cpu_uniform = ops::uniform({100003}, -3, 5, dtype);
    Tensor cpu_normal = ops::normal({100003}, 0.5, 2, dtype);
    manual_seed(123);
    Tensor gpu_uniform = ops::uniform({100003}, -3, 5, dtype, Device::cuda);
    Tensor gpu_normal = ops::normal({100003}, 0.5, 2, dtype, Device::cuda);
    EXPECT_TRUE(all_close(gpu_uniform, cpu_uniform, 1e-6, 1e-6)) << dtype_name(dtype);
    EXPECT_TRUE(all_close(gpu_normal, cpu_normal, 1e-5, 1e-5)) << dtype_name(dtype);
  }
}

TEST(CudaRandom, BernoulliAndRandpermMatchCpuExactly) {
  HG_REQUIRE_CUDA();
  manual_seed(77);
  Tensor cpu_mask = ops::bernoulli({1000, 33}, 0.4);
  Tensor probabilities = test::random_uniform({1000, 33}, 5, 0, 1);
  Tensor cpu_draws = ops::bernoulli(probabilities);
  Tensor cpu_permutation = ops::randperm(100000);
  manual_seed(77);
  EXPECT_EQ(ops::bernoulli({1000, 33}, 0.4, DType::f32, Device::cuda).to_vector<float>(),
            cpu_mask.to_vector<float>());
  EXPECT_EQ(ops::bernoulli(probabilities.to(Device::cuda)).to_vector<float>(),
            cpu_draws.to_vector<float>());
  EXPECT_EQ(ops::randperm(100000, Device::cuda).to_vector<int64_t>(),
            cpu_permutation.to_vector<int64_t>());
}

TEST(CudaRandom, HighCountersBroadcastProbabilitiesAndEmptyDrawsMatchCpu) {
  HG_REQUIRE_CUDA();
  // Counters that cross 2^32 feed the high word of Philox's counter on both sides. uniform(0, 1)
  // is the unit value itself, exact on both sides.
  RandomState near_wrap{99, (uint64_t(1) << 32) - 500};
  set_random_state(near_wrap);
  Tensor cpu_uniform = ops::uniform({1001});
  Tensor cpu_normal = ops::normal({1001}, 0, 1, DType::f64);
  set_random_state(near_wrap);
  EXPECT_TRUE(all_close(ops::uniform({1001}, 0, 1, DType::f32, Device::cuda), cpu_uniform, 0, 0));
  EXPECT_TRUE(
      all_close(ops::normal({1001}, 0, 1, DType::f64, Device::cuda), cpu_normal, 1e-12, 1e-12));
  // Probabilities that are a broadcast view (stride 0).
  Tensor row = test::random_uniform({1, 33}, 6, 0, 1);
  manual_seed(8);
  Tensor cpu_draws = ops::bernoulli(ops::expand(row, {1000, 33}));
  manual_seed(8);
  EXPECT_EQ(ops::bernoulli(ops::expand(row.to(Device::cuda), {1000, 33})).to_vector<float>(),
            cpu_draws.to_vector<float>());
  EXPECT_EQ(ops::uniform({0, 4}, 0, 1, DType::f32, Device::cuda).numel(), 0);
  EXPECT_EQ(ops::randperm(0, Device::cuda).numel(), 0);
  EXPECT_EQ(ops::randperm(1, Device::cuda).to_vector<int64_t>(), (std::vector<int64_t>{0}));
}

TEST(CudaRandom, DevicesShareOneGenerator) {
  HG_REQUIRE_CUDA();
  manual_seed(5);
  Tensor on_cpu = ops::uniform({64});
  Tensor then_gpu = ops::uniform({64}, 0, 1, DType::f32, Device::cuda);
  manual_seed(5);
  Tensor all_cpu = ops::uniform({128});
  EXPECT_TRUE(all_close(ops::concat({on_cpu, then_gpu.to(Device::cpu)}, 0), all_cpu, 1e-6, 1e-6));
}

}  // namespace
}  // namespace hg
