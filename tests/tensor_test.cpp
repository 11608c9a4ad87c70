// Tensor basics: creation, views sharing storage, copies and dtype casts, error messages.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>

#include "cuda/allocator.h"
#include "cuda/transfer.h"
#include "tensor/ops.h"
#include "tests/device_test.h"
#include "tests/test_support.h"

namespace hg {
namespace {

TEST(Tensor, FromVectorRoundTripsAndReportsMetadata) {
  Tensor t = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.strides(), (Shape{3, 1}));
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.dtype(), DType::f32);
  EXPECT_EQ(t.description(), "f32[2, 3] cpu");
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(Tensor, TransposeIsAViewAndContiguousPacksIt) {
  Tensor t = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor transposed = ops::transpose(t, 0, 1);
  EXPECT_EQ(transposed.storage(), t.storage());
  EXPECT_FALSE(transposed.is_contiguous());
  EXPECT_EQ(transposed.to_vector<float>(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  Tensor packed = transposed.contiguous();
  EXPECT_TRUE(packed.is_contiguous());
  EXPECT_NE(packed.storage(), t.storage());
}

TEST(Tensor, NarrowExpandAndReshapeSeeTheRightElements) {
  Tensor t =
      Tensor::from_vector(std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4});
  EXPECT_EQ(ops::narrow(t, 1, 1, 2).to_vector<int64_t>(),
            (std::vector<int64_t>{1, 2, 5, 6, 9, 10}));
  Tensor row = ops::narrow(t, 0, 2, 1);
  EXPECT_EQ(ops::expand(row, {2, 4}).to_vector<int64_t>(),
            (std::vector<int64_t>{8, 9, 10, 11, 8, 9, 10, 11}));
  EXPECT_EQ(ops::reshape(t, {2, -1}).shape(), (Shape{2, 6}));
  EXPECT_EQ(ops::permute(ops::reshape(t, {2, 2, 3}), {2, 0, 1}).to_vector<int64_t>()[1], 3);
}

TEST(Tensor, CastsRoundAsDocumented) {
  Tensor t = Tensor::from_vector(std::vector<float>{1.5f, -2.7f, 3.0f}, {3});
  EXPECT_EQ(t.to(DType::i32).to_vector<int32_t>(), (std::vector<int32_t>{1, -2, 3}));
  // bf16 keeps 8 significant bits: 1.5 and 3 are exact, -2.7 rounds to -2.703125.
  std::vector<float> round_trip = t.to(DType::bf16).to(DType::f32).to_vector<float>();
  EXPECT_FLOAT_EQ(round_trip[0], 1.5f);
  EXPECT_FLOAT_EQ(round_trip[1], -2.703125f);
  EXPECT_FLOAT_EQ(round_trip[2], 3.0f);
}

TEST(Tensor, CastsToIntegersTruncateAndSaturate) {
  // Toward zero inside the range; past it the nearest limit; NaN 0 (CUDA's rule, on both sides).
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor t = Tensor::from_vector(std::vector<float>{2.7f, -2.7f, -1.0f, 3e9f, -3e9f, nan}, {6});
  EXPECT_EQ(t.to(DType::u8).to_vector<uint8_t>(), (std::vector<uint8_t>{2, 0, 0, 255, 0, 0}));
  EXPECT_EQ(t.to(DType::i32).to_vector<int32_t>(),
            (std::vector<int32_t>{2, -2, -1, INT32_MAX, INT32_MIN, 0}));
  EXPECT_EQ(t.to(DType::i64).to_vector<int64_t>(),
            (std::vector<int64_t>{2, -2, -1, 3000000000, -3000000000, 0}));
  Tensor huge = Tensor::from_vector(std::vector<double>{1e19, -1e19, 9.2e18}, {3});
  EXPECT_EQ(huge.to(DType::i64).to_vector<int64_t>(),
            (std::vector<int64_t>{INT64_MAX, INT64_MIN, 9200000000000000000}));
}

TEST(Tensor, FactoriesFillEveryElement) {
  EXPECT_EQ(Tensor::full({2, 2}, 7, DType::i64).to_vector<int64_t>(), (std::vector<int64_t>(4, 7)));
  EXPECT_EQ(Tensor::zeros({3}, DType::f64).to_vector<double>(), (std::vector<double>(3, 0.0)));
  EXPECT_EQ(Tensor::scalar(2.5).item<float>(), 2.5f);
}

TEST(Tensor, ErrorsNameShapesDtypesAndDevices) {
  Tensor a = Tensor::zeros({2, 3});
  Tensor b = Tensor::zeros({4});
  try {
    ops::add(a, b);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "add: shapes [2, 3] and [4] do not broadcast");
  }
  try {
    ops::add(a, Tensor::zeros({2, 3}, DType::f64));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "add: dtypes differ: f32[2, 3] cpu and f64[2, 3] cpu");
  }
  try {
    ops::reshape(a, {4, 2});
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "reshape: cannot reshape f32[2, 3] cpu (6 elements) to [4, 2] (8 elements)");
  }
  EXPECT_THROW(a.data<double>(), Error);
  EXPECT_THROW(a.item<float>(), Error);
  if (!cuda::available()) {
    EXPECT_THROW(a.to(Device::cuda), Error);
  }
}

// cuda/transfer.h's promise for uploads: when the copy returns, its host source has been read,
// though the copy may still be queued behind other work. Each source is overwritten (and the
// pageable one freed) at once, behind matrix products that keep the GPU busy, so a copy that
// read its source only when it ran would land the overwritten values.
class HostToDeviceCopyTest : public test::DeviceTest {
 protected:
  // Queues some milliseconds of work on hashgrad's stream.
  static Tensor busy_gpu() {
    Tensor product = Tensor::full({2048, 2048}, 1.0 / 2048, DType::f32, Device::cuda);
    for (int i = 0; i < 8; ++i) product = ops::matmul(product, product);
    return product;
  }
};

TEST_P(HostToDeviceCopyTest, PageableSourceMayChangeOnceTheCopyReturns) {
  for (int64_t count : {int64_t{3}, int64_t{1} << 20}) {  // inline in the command, and staged
    std::vector<float> values(static_cast<size_t>(count));
    std::iota(values.begin(), values.end(), 1.0f);
    Tensor host = Tensor::from_vector(values, {count});
    const Tensor busy = busy_gpu();
    const Tensor uploaded = host.to(Device::cuda);
    std::memset(host.raw_data(), 0xFF, values.size() * sizeof(float));  // NaNs
    host = Tensor();
    EXPECT_EQ(uploaded.to(Device::cpu).to_vector<float>(), values) << count << " values";
  }
}

TEST_P(HostToDeviceCopyTest, PageLockedSourceMayChangeOnceTheCopyReturns) {
  const size_t count = size_t{1} << 20;
  std::vector<float> values(count);
  std::iota(values.begin(), values.end(), 1.0f);
  auto* pinned = static_cast<float*>(memory::pinned_allocate(count * sizeof(float)));
  std::memcpy(pinned, values.data(), count * sizeof(float));
  const Tensor busy = busy_gpu();
  Tensor uploaded = Tensor::empty({static_cast<int64_t>(count)}, DType::f32, Device::cuda);
  cuda::copy_bytes(uploaded.raw_data(), pinned, count * sizeof(float),
                   cuda::CopyKind::host_to_device);
  std::memset(pinned, 0xFF, count * sizeof(float));
  memory::pinned_free(pinned);
  EXPECT_EQ(uploaded.to(Device::cpu).to_vector<float>(), values);
}

HG_INSTANTIATE_CUDA_TEST(HostToDeviceCopyTest);

}  // namespace
}  // namespace hg
