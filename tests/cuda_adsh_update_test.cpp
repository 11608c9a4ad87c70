// The ADSH bit sweep and full code update on the GPU against the CPU reference.
#include <gtest/gtest.h>

#include "hashing/adsh_code_update.h"
#include "hashing/similarity.h"
#include "tensor/ops.h"
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

}  // namespace
}  // namespace hg
