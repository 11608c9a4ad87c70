// The bit sweep of ADSH's code update on the GPU (CUDA builds only). The algorithm and its CPU
// reference are in hashing/adsh_code_update.{h,cpp}.
#pragma once

#include <cstdint>

#include "cuda/stream.h"

namespace hg::cuda {

// For each row j and k = 0..c−1 in order:
//   V[j,k] = −sign(2 Σ_{l≠k} V[j,l]·W[l,k] + Q[j,k])      (sign(0) = +1)
void adsh_bit_sweep(float* codes, const float* gram, const float* linear_term, int64_t rows,
                    int64_t bits, cudaStream_t stream);

}  // namespace hg::cuda
