// Seeded random numbers: Philox against its published known answers; on every device the seed
// and offset contract and the statistics of each distribution over 100,000 draws. Then CUDA
// against the CPU: the same seed and offset give the same numbers on both devices (bit for bit
// where the formula is exact, rtol 1e-5 for normal's log/cos), also for counters past 2^32 and
// broadcast probabilities, and draws on either device advance the one generator alike.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cuda/philox.h"
#include "tensor/ops.h"
#include "tests/device_test.h"

namespace hg {
namespace {

using test::all_close;
using test::error_message;

class Random : public test::DeviceTest {};

struct Moments {
  double mean = 0, std = 0;
};

Moments moments_of(const std::vector<double>& values) {
  Moments result;
  for (double value : values) result.mean += value;
  result.mean /= static_cast<double>(values.size());
  for (double value : values) result.std += (value - result.mean) * (value - result.mean);
  result.std = std::sqrt(result.std / static_cast<double>(values.size() - 1));
  return result;
}

std::vector<double> as_doubles(const Tensor& tensor) {
  return tensor.to(DType::f64).to_vector<double>();
}

TEST(Philox, MatchesTheRandom123KnownAnswers) {
  // kat_vectors of Random123 for philox4x32_10: (counter words, key words) -> output words.
  // Our counter is (c0 | c1 << 32, c2 | c3 << 32) and our key k0 | k1 << 32.
  PhiloxOutput zero = philox4x32(0, 0, 0);
  EXPECT_EQ(zero.x[0], 0x6627e8d5u);
  EXPECT_EQ(zero.x[1], 0xe169c58du);
  EXPECT_EQ(zero.x[2], 0xbc57ac4cu);
  EXPECT_EQ(zero.x[3], 0x9b00dbd8u);
  PhiloxOutput ones = philox4x32(~0ULL, ~0ULL, ~0ULL);
  EXPECT_EQ(ones.x[0], 0x408f276du);
  EXPECT_EQ(ones.x[1], 0x41c83b0eu);
  EXPECT_EQ(ones.x[2], 0xa20bc7c6u);
  EXPECT_EQ(ones.x[3], 0x6d5451fdu);
  PhiloxOutput pi = philox4x32(0x85a308d3243f6a88ULL, 0x0370734413198a2eULL, 0x299f31d0a4093822ULL);
  EXPECT_EQ(pi.x[0], 0xd16cfe09u);
  EXPECT_EQ(pi.x[1], 0x94fdccebu);
  EXPECT_EQ(pi.x[2], 0x5001e420u);
  EXPECT_EQ(pi.x[3], 0x24126ea1u);
}

TEST_P(Random, SameSeedGivesSameNumbers) {
  auto draw = [&] { return ops::uniform({1000}, 0, 1, DType::f32, device()).to_vector<float>(); };
  manual_seed(42);
  std::vector<float> first = draw();
  std::vector<float> next = draw();
  manual_seed(42);
  EXPECT_EQ(draw(), first);
  EXPECT_NE(next, first);  // the offset moved on
  manual_seed(43);
  EXPECT_NE(draw(), first);
}

TEST_P(Random, OffsetAdvancesByTheElementsDrawn) {
  // Drawing 10 then 5 numbers uses counters 0..9 then 10..14: the same as one draw of 15.
  auto draw = [&](int64_t n) {
    return ops::normal({n}, 0, 1, DType::f64, device()).to_vector<double>();
  };
  manual_seed(7);
  std::vector<double> ten = draw(10);
  std::vector<double> five = draw(5);
  manual_seed(7);
  std::vector<double> fifteen = draw(15);
  EXPECT_EQ(std::vector<double>(fifteen.begin(), fifteen.begin() + 10), ten);
  EXPECT_EQ(std::vector<double>(fifteen.begin() + 10, fifteen.end()), five);
  EXPECT_EQ(random_state().offset, 15u);
}

TEST_P(Random, SavedStateReplays) {
  manual_seed(3);
  ops::uniform({17}, 0, 1, DType::f32, device());
  RandomState saved = random_state();
  std::vector<float> expected = ops::normal({8}, 0, 1, DType::f32, device()).to_vector<float>();
  ops::uniform({100}, 0, 1, DType::f32, device());
  set_random_state(saved);
  EXPECT_EQ(ops::normal({8}, 0, 1, DType::f32, device()).to_vector<float>(), expected);
}

TEST_P(Random, UniformCoversItsRange) {
  manual_seed(1);
  for (DType dtype : {DType::f32, DType::f64}) {
    std::vector<double> values = as_doubles(ops::uniform({100000}, -2, 6, dtype, device()));
    EXPECT_GE(*std::min_element(values.begin(), values.end()), -2);
    EXPECT_LT(*std::max_element(values.begin(), values.end()), 6);
    Moments m = moments_of(values);
    // Uniform on [-2, 6): mean 2, std 8/√12 = 2.3094; standard errors 0.0073 and 0.0052.
    EXPECT_NEAR(m.mean, 2.0, 0.03) << dtype_name(dtype);
    EXPECT_NEAR(m.std, 8 / std::sqrt(12.0), 0.02) << dtype_name(dtype);
  }
}

TEST_P(Random, NormalHasItsMeanStdAndShape) {
  manual_seed(2);
  for (DType dtype : {DType::f32, DType::f64}) {
    std::vector<double> values = as_doubles(ops::normal({100000}, 1.5, 3, dtype, device()));
    Moments m = moments_of(values);
    // Standard errors: mean 3/√1e5 = 0.0095, std ≈ 3/√2e5 = 0.0067.
    EXPECT_NEAR(m.mean, 1.5, 0.04) << dtype_name(dtype);
    EXPECT_NEAR(m.std, 3.0, 0.03) << dtype_name(dtype);
    // Bell shape: 68.27% within one std, 95.45% within two (standard errors ~0.0015).
    double within_one = 0, within_two = 0;
    for (double value : values) {
      within_one += std::abs(value - 1.5) < 3;
      within_two += std::abs(value - 1.5) < 6;
    }
    EXPECT_NEAR(within_one / values.size(), 0.6827, 0.006) << dtype_name(dtype);
    EXPECT_NEAR(within_two / values.size(), 0.9545, 0.004) << dtype_name(dtype);
  }
}

TEST_P(Random, BernoulliHitsItsRate) {
  manual_seed(5);
  std::vector<double> values = as_doubles(ops::bernoulli({100000}, 0.3, DType::f32, device()));
  for (double value : values) ASSERT_TRUE(value == 0 || value == 1) << value;
  // Standard error √(0.3·0.7/1e5) = 0.00145.
  EXPECT_NEAR(moments_of(values).mean, 0.3, 0.006);
  // Per-element probabilities: column 0 never, column 1 always, column 2 one time in four.
  Tensor p = Tensor::from_vector(std::vector<double>{0, 1, 0.25}, {1, 3}).to(device());
  Tensor draws = ops::bernoulli(ops::expand(p, {50000, 3}));
  EXPECT_EQ(draws.dtype(), DType::f64);
  Tensor rate = ops::mean(draws, {0});
  std::vector<double> rates = rate.to_vector<double>();
  EXPECT_EQ(rates[0], 0);
  EXPECT_EQ(rates[1], 1);
  EXPECT_NEAR(rates[2], 0.25, 0.008);
}

TEST_P(Random, RandpermIsAPermutation) {
  auto randperm = [&](int64_t n) { return ops::randperm(n, device()); };
  manual_seed(9);
  std::vector<int64_t> permutation = randperm(1000).to_vector<int64_t>();
  std::vector<int64_t> sorted = permutation;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> identity(1000);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(permutation, identity);
  manual_seed(9);
  EXPECT_EQ(randperm(1000).to_vector<int64_t>(), permutation);
  EXPECT_EQ(randperm(0).numel(), 0);
  EXPECT_EQ(randperm(1).to_vector<int64_t>(), (std::vector<int64_t>{0}));
  // Each position is uniform over the values: over many permutations of 4, position 0 holds
  // each value about a quarter of the time.
  std::vector<int> first_counts(4, 0);
  for (int trial = 0; trial < 4000; ++trial) ++first_counts[randperm(4).to_vector<int64_t>()[0]];
  for (int count : first_counts) EXPECT_NEAR(count, 1000, 110);
}

TEST(RandomErrors, ErrorsNameTheBadParameter) {
  EXPECT_EQ(error_message([] { ops::uniform({2}, 1, 0); }), "uniform: low 1 is above high 0");
  EXPECT_EQ(error_message([] { ops::normal({2}, 0, -1); }),
            "normal: std must be non-negative, got -1");
  EXPECT_EQ(error_message([] { ops::bernoulli({2}, 1.5); }),
            "bernoulli: probability 1.5 is outside [0, 1]");
  EXPECT_EQ(error_message([] { ops::bernoulli(Tensor::full({2}, -0.5)); }),
            "bernoulli: probabilities f32[2] cpu must lie in [0, 1], found -0.5");
  EXPECT_EQ(error_message([] { ops::uniform({2}, 0, 1, DType::i64); }),
            "uniform: expected a floating tensor (f32 or f64), got i64");
  EXPECT_EQ(error_message([] { ops::randperm(-3); }), "randperm: n must be non-negative, got -3");
}

HG_INSTANTIATE_DEVICE_TEST(Random);

// The same numbers on both devices, and one generator behind both.
class CudaRandom : public test::DeviceTest {};

TEST_P(CudaRandom, UniformAndNormalMatchCpu) {
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

TEST_P(CudaRandom, BernoulliAndRandpermMatchCpuExactly) {
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

TEST_P(CudaRandom, HighCountersBroadcastProbabilitiesAndEmptyDrawsMatchCpu) {
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

TEST_P(CudaRandom, DevicesShareOneGenerator) {
  manual_seed(5);
  Tensor on_cpu = ops::uniform({64});
  Tensor then_gpu = ops::uniform({64}, 0, 1, DType::f32, Device::cuda);
  manual_seed(5);
  Tensor all_cpu = ops::uniform({128});
  EXPECT_TRUE(all_close(ops::concat({on_cpu, then_gpu.to(Device::cpu)}, 0), all_cpu, 1e-6, 1e-6));
}

HG_INSTANTIATE_CUDA_TEST(CudaRandom);

}  // namespace
}  // namespace hg
