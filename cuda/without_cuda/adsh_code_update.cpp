// cuda/adsh_code_update.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/adsh_code_update.h"

#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

void adsh_bit_sweep(float*, const float*, const float*, int64_t, int64_t, Stream) {
  built_without_cuda("cuda::adsh_bit_sweep");
}

}  // namespace hg::cuda
