// One test body, run on every device: GoogleTest's value-parameterised form of Caffe's typed
// CPU/GPU fixture. A test written as
//
//   class SoftmaxTest : public hg::test::DeviceTest {};
//   TEST_P(SoftmaxTest, RowsSumToOne) { Tensor x = ....to(device()); ... }
//   HG_INSTANTIATE_DEVICE_TEST(SoftmaxTest);
//
// runs as SoftmaxTest.RowsSumToOne/cpu and SoftmaxTest.RowsSumToOne/cuda. tests/CMakeLists.txt
// labels every test whose name ends in /cuda `gpu` (and the rest `cpu`), so `ctest -L gpu` runs
// the CUDA instances; they skip on a machine without a device. HG_INSTANTIATE_CUDA_TEST gives
// only the .../cuda instance, for what only the CUDA implementation has (its batching, its
// streaming), checked against the CPU one.
#pragma once

#include <gtest/gtest.h>

#include "tests/test_support.h"

namespace hg::test {

class DeviceTest : public ::testing::TestWithParam<Device> {
 protected:
  void SetUp() override {
    if (device() == Device::cuda) HG_REQUIRE_CUDA();
  }
  Device device() const { return GetParam(); }
};

inline std::string device_test_name(const ::testing::TestParamInfo<Device>& info) {
  return device_name(info.param);
}

}  // namespace hg::test

#define HG_INSTANTIATE_DEVICE_TEST(Fixture)                                         \
  INSTANTIATE_TEST_SUITE_P(, Fixture, ::testing::Values(Device::cpu, Device::cuda), \
                           ::hg::test::device_test_name)

#define HG_INSTANTIATE_CUDA_TEST(Fixture) \
  INSTANTIATE_TEST_SUITE_P(, Fixture, ::testing::Values(Device::cuda), ::hg::test::device_test_name)
