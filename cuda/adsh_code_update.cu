// ADSH bit sweep kernel (formula in cuda/adsh_code_update.h; CPU reference in
// hashing/adsh_code_update.cpp).
//
// Thread mapping: one thread per database row j. The row's c ≤ 1024 code bits live in the
// thread's slice of V in global memory (a row is c·4 bytes, read c times: L1 keeps it); W (c×c)
// is staged once per block in shared memory when it fits (c ≤ 64: 16 KiB), read from global
// otherwise. Rows are independent, so no synchronisation is needed between threads.
#include "cuda/adsh_code_update.h"
#include "cuda/check.h"
#include "cuda/grid_stride.h"

namespace hg::cuda {

namespace {

constexpr int kSharedGramBits = 64;

__global__ void adsh_bit_sweep_kernel(float* codes, const float* gram, const float* linear_term,
                                      int64_t rows, int64_t bits) {
  __shared__ float shared_gram[kSharedGramBits * kSharedGramBits];
  bool staged = bits <= kSharedGramBits;
  if (staged)
    for (int64_t i = threadIdx.x; i < bits * bits; i += blockDim.x) shared_gram[i] = gram[i];
  __syncthreads();
  const float* w = staged ? shared_gram : gram;
  int64_t row = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (row >= rows) return;
  adsh_sweep_row(codes + row * bits, w, linear_term + row * bits, bits);
}

}  // namespace

void adsh_bit_sweep(float* codes, const float* gram, const float* linear_term, int64_t rows,
                    int64_t bits, cudaStream_t stream) {
  if (rows == 0) return;
  unsigned int blocks = static_cast<unsigned int>((rows + kThreadsPerBlock - 1) / kThreadsPerBlock);
  adsh_bit_sweep_kernel<<<blocks, kThreadsPerBlock, 0, stream>>>(codes, gram, linear_term, rows,
                                                                 bits);
  CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
