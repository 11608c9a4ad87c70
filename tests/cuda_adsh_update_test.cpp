// The ADSH bit sweep and the full code update (Q by similarity blocks, W, the sweep) on the GPU
// against the CPU reference.
#include <gtest/gtest.h>

#include "cuda/runtime.h"
#include "hashing/adsh_code_update.h"
#include "hashing/similarity.h"
#include "tensor/ops.h"
#include "tests/numeric_mode.h"
#include "tests/test_support.h"

namespace hg {
namespace {

TEST(CudaAdshCodeUpdate, BitSweepMatchesCpuForSmallAndLargeCodes) {
  HG_REQUIRE_CUDA();
  for (int64_t bits : {12, 48, 128}) {  // 128 > 64: W read from global memory, not shared
    Tensor codes = ops::sign(test::random_uniform({5000, bits}, 1));
    Tensor u = test::random_uniform({300, bits}, 2);
    Tensor gram = ops::matmul(ops::transpose(u, 0, 1), u);
    Tensor q = test::random_uniform({5000, bits}, 3, -50, 50);
    Tensor on_gpu = codes.to(Device::cuda);
    hashing::adsh_bit_sweep(codes, gram, q);
    hashing::adsh_bit_sweep(on_gpu, gram.to(Device::cuda), q.to(Device::cuda));
    std::vector<float> cpu = codes.to_vector<float>(), gpu = on_gpu.to_vector<float>();
    int64_t differences = 0;
    for (size_t i = 0; i < cpu.size(); ++i) differences += cpu[i] != gpu[i];
    // Sums in a different order can flip a bit whose argument is within rounding of 0.
    EXPECT_LE(differences, static_cast<int64_t>(cpu.size() / 10000)) << bits << " bits";
  }
}

TEST(CudaAdshCodeUpdate, FullUpdateMatchesCpu) {
  HG_REQUIRE_CUDA();
  test::NumericMode strict(true);
  // 2,500 database rows in similarity blocks of 700 (the last one partial), 10 classes, every
  // 8th row sampled.
  const int64_t n = 2500, m = 300, bits = 24, classes = 10;
  std::vector<float> database_labels(n * classes, 0.0f), sampled_labels(m * classes, 0.0f);
  std::vector<int64_t> sampled(m);
  for (int64_t j = 0; j < n; ++j) database_labels[j * classes + (j * 7 + j / 3) % classes] = 1;
  for (int64_t i = 0; i < m; ++i) {
    sampled[i] = 8 * i;
    for (int64_t c = 0; c < classes; ++c)
      sampled_labels[i * classes + c] = database_labels[sampled[i] * classes + c];
  }
  hashing::AdshUpdateInput input;
  input.relaxed_codes = test::random_uniform({m, bits}, 11);
  input.sampled_indices = Tensor::from_vector(sampled, {m});
  input.sampled_labels = Tensor::from_vector(sampled_labels, {m, classes});
  input.database_labels = Tensor::from_vector(database_labels, {n, classes});
  input.block_rows = 700;
  Tensor codes = ops::sign(test::random_uniform({n, bits}, 12));
  Tensor on_gpu = codes.to(Device::cuda);
  hashing::adsh_update_codes(codes, input);
  hashing::adsh_update_codes(on_gpu, input);
  std::vector<float> cpu = codes.to_vector<float>(), gpu = on_gpu.to_vector<float>();
  int64_t differences = 0, not_a_code = 0;
  for (size_t i = 0; i < cpu.size(); ++i) {
    differences += cpu[i] != gpu[i];
    not_a_code += gpu[i] != 1.0f && gpu[i] != -1.0f;
  }
  EXPECT_EQ(not_a_code, 0);
  // Q and W come from GEMMs that sum in another order on the GPU; a flipped bit can flip the
  // later bits of its row, so allow a few rows' worth.
  EXPECT_LE(differences, static_cast<int64_t>(cpu.size() / 200));
}

}  // namespace
}  // namespace hg
