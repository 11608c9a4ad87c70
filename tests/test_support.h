// Helpers every test uses: tensors from literal values, tensor comparison with a readable
// failure, seeded random inputs, PyTorch fixtures by name, the message of an expected hg::Error,
// small checks on index lists and text, and the skip for GPU tests on a machine without a device.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cuda/runtime.h"
#include "tensor/tensor.h"
#include "train/config.h"

namespace hg::test {

// A training config for a small, deterministic CPU run on a Fashion-MNIST slice: cnn5 with
// 64 features, 16 bits, batch 32, one worker, top_k 50; `keys` add or override settings (the
// method's terms, the slice sizes, the rounds).
Config slice_run(std::initializer_list<std::pair<const char*, const char*>> keys);

// configs/<method>_fmnist.conf, unchanged but for the size of the run: 100 queries and
// `database` database images, three rounds of one epoch, batch 32, 64 features (width 16 where
// the backbone has one), ADSH-style samples of 128, one worker, deterministic, on `device`.
Config fmnist_method_slice(const std::string& method, const std::string& device, int64_t database);

// The mean loss of every round of a run, from its log.jsonl.
std::vector<double> round_losses(const std::string& run_directory);

// GPU tests (files cuda_*_test.cpp, ctest label `gpu`) start with this.
#define HG_REQUIRE_CUDA()                                                     \
  do {                                                                        \
    if (!::hg::cuda::available()) GTEST_SKIP() << "no CUDA device available"; \
  } while (0)

// Tensors from literal values: f32({1, 2, 3, 4}, {2, 2}).
Tensor f32(const std::vector<float>& values, const Shape& shape);
Tensor f64(const std::vector<double>& values, const Shape& shape);
Tensor i64(const std::vector<int64_t>& values, const Shape& shape);

// Uniform values in [low, high) from a seeded std::mt19937_64 (CPU tensor).
Tensor random_uniform(const Shape& shape, uint64_t seed, double low = -1, double high = 1,
                      DType dtype = DType::f32);

// Passes when every |actual − expected| ≤ atol + rtol·|expected| (shapes equal); the failure
// message names the worst element and both values.
::testing::AssertionResult all_close(const Tensor& actual, const Tensor& expected,
                                     double rtol = 1e-5, double atol = 1e-6);

// Absolute path of a file under tests/fixtures.
std::string fixture_path(const std::string& name);

// The checkout the tests were built from, and its build folder (where the hashgrad executable is).
std::string repository_root();
std::string build_directory();

// The tensors of a fixture written by a tests/fixtures/*.py script, by name.
using Fixture = std::map<std::string, Tensor>;

// tests/fixtures/<name>.safetensors
Fixture load_fixture(const std::string& name);

// The fixture's tensor `name`; throws naming it when the fixture lacks it (a script and a test
// that disagree on a name).
const Tensor& entry(const Fixture& fixture, const std::string& name);

// The message of the hg::Error that `statement` throws ("" and a failure if it throws none).
std::string error_message(const std::function<void()>& statement);

// Whether two ascending index lists share no element.
bool disjoint(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

// How many times `part` occurs in `text` (overlapping occurrences count).
int64_t count_of(const std::string& text, const std::string& part);

}  // namespace hg::test
