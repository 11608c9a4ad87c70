// cuda/matmul.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/matmul.h"

#include "cuda/bf16.h"
#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

template <typename Input, typename Output>
void gemm(int64_t, int64_t, int64_t, int64_t, const GemmOperand<Input>&, const GemmOperand<Input>&,
          Output*, const Output*, Stream) {
  built_without_cuda("cuda::gemm");
}

#define HG_INSTANTIATE(Input, Output)                                                              \
  template void gemm<Input, Output>(int64_t, int64_t, int64_t, int64_t, const GemmOperand<Input>&, \
                                    const GemmOperand<Input>&, Output*, const Output*, Stream);
HG_INSTANTIATE(float, float)
HG_INSTANTIATE(double, double)
HG_INSTANTIATE(bf16, bf16)
HG_INSTANTIATE(bf16, float)

}  // namespace hg::cuda
