// The bit sweep of ADSH's code update: the per-row formula both paths run, and the GPU
// launcher. The algorithm is explained in hashing/adsh_code_update.h.
#pragma once

#include <cstdint>

#include "core/host_device.h"

namespace hg {

// One database row's sweep, shared by the CPU loop and the CUDA thread: for k = 0..c−1 in order
//   v[k] = −sign(2 Σ_{l≠k} v[l]·W[l,k] + q[k])      (sign(0) = +1)
HG_HOST_DEVICE void adsh_sweep_row(float* v, const float* gram, const float* q, int64_t bits) {
  for (int64_t k = 0; k < bits; ++k) {
    float total = 0;
    for (int64_t l = 0; l < bits; ++l)
      if (l != k) total += v[l] * gram[l * bits + k];
    v[k] = (2 * total + q[k]) >= 0 ? -1.0f : 1.0f;
  }
}

}  // namespace hg

#include "cuda/stream.h"

namespace hg::cuda {

// adsh_sweep_row for every row of V [rows, bits], with W [bits, bits] and Q [rows, bits].
void adsh_bit_sweep(float* codes, const float* gram, const float* linear_term, int64_t rows,
                    int64_t bits, Stream stream);

}  // namespace hg::cuda
