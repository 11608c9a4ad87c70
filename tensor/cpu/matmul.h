// CPU matrix products: C = A·B for one matrix pair or a batch of them. This is the engine's
// GEMM when there is no GPU (training on the CPU runs through it) and the reference the
// cuBLASLt path (cuda/matmul.h) is tested against. The cache-blocked kernel is in
// tensor/cpu/gemm.cpp.
#pragma once

#include <cstdint>

#include "cuda/strided_index.h"

namespace hg::cpu {

// Where the matrices of a batch live: element (i, j) of matrix `batch` is at
//   data[batch_index.offset(batch) + i · row_stride + j · column_stride].
// A transposed view is swapped strides and a broadcast batch dim has stride 0, so neither
// needs a copy: the kernel packs whatever it reads into its own order.
template <typename T>
struct MatrixOperand {
  const T* data = nullptr;
  int64_t row_stride = 0, column_stride = 0;
  StridedIndex batch_index;
};

// For every batch b < batch_count, with i < m, j < n, p < k:
//   C_b[i, j] = (accumulate ? C_b[i, j] : 0) + bias[j] + Σ_p A_b[i, p] · B_b[p, j]
// C is a contiguous [batch_count, m, n] array; `bias` is [n] or null (no bias). The bias is
// added as the kernel first writes C, like cuBLASLt's epilogue; `accumulate` adds the result
// to values already in C (a gradient). Defined for float and double.
template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, int64_t batch_count, const MatrixOperand<T>& a,
          const MatrixOperand<T>& b, T* c, bool accumulate, const T* bias = nullptr);

}  // namespace hg::cpu
