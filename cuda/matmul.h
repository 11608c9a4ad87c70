// Matrix products on the GPU through cuBLASLt (stubs that throw in a CPU-only build:
// cuda/without_cuda/). CPU twin: tensor/cpu/matmul.h.
//
//   D_b = A_b · B_b (+ bias, broadcast over the rows of D_b)     for each b < batch_count
//
// with f32 accumulation for f32 and bf16 inputs (f32 also allows TF32 tensor cores unless
// cuda::strict_fp32() is on) and f64 for f64. The bias is added in the GEMM's epilogue, so
// a linear layer is one kernel.
#pragma once

#include <cstdint>

#include "cuda/stream.h"

namespace hg::cuda {

// One operand of a strided batch, seen row-major: element (i, j) of matrix b is at
//   data[b · batch_stride + i · row_stride + j · column_stride]
// One of row_stride, column_stride must be 1: the other is cuBLASLt's leading dimension, and a
// transposed matrix (row_stride 1) is read with a transpose flag instead of being copied.
// batch_stride 0 reuses one matrix for the whole batch (a broadcast batch dim).
template <typename T>
struct GemmOperand {
  const T* data = nullptr;
  int64_t row_stride = 0, column_stride = 0, batch_stride = 0;
};

// D is a contiguous [batch_count, m, n] array; `bias` is [n] or null.
// Input → Output: f32 → f32, f64 → f64, bf16 → bf16, bf16 → f32.
template <typename Input, typename Output>
void gemm(int64_t m, int64_t n, int64_t k, int64_t batch_count, const GemmOperand<Input>& a,
          const GemmOperand<Input>& b, Output* d, const Output* bias, Stream stream);

}  // namespace hg::cuda
