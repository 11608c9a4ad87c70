// Helpers every test uses: tensor comparison with a readable failure, seeded random inputs,
// and the skip for GPU tests on a machine without a device.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "cuda/runtime.h"
#include "tensor/tensor.h"

namespace hg::test {

// GPU tests (files cuda_*_test.cpp, ctest label `gpu`) start with this.
#define HG_REQUIRE_CUDA()                                                      \
  do {                                                                         \
    if (!::hg::cuda::available()) GTEST_SKIP() << "no CUDA device available"; \
  } while (0)

// Uniform values in [low, high) from a seeded std::mt19937_64 (CPU tensor).
Tensor random_uniform(const Shape& shape, uint64_t seed, double low = -1, double high = 1,
                      DType dtype = DType::f32);

// Passes when every |actual − expected| ≤ atol + rtol·|expected| (shapes equal); the failure
// message names the worst element and both values.
::testing::AssertionResult all_close(const Tensor& actual, const Tensor& expected,
                                     double rtol = 1e-5, double atol = 1e-6);

// Absolute path of a file under tests/fixtures.
std::string fixture_path(const std::string& name);

}  // namespace hg::test
