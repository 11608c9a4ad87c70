// Raw matrix products (no autograd; see autograd/matmul.h): torch.matmul's semantics and the
// fused linear layer. CPU: the blocked GEMM of tensor/cpu/gemm.cpp; CUDA: cuBLASLt
// (cuda/matmul.h).
#pragma once

#include "tensor/tensor.h"

namespace hg::ops {

// torch.matmul:
//   [m, k] · [k, n] → [m, n]
//   [..., m, k] · [..., k, n] → [..., m, n], the batch dims broadcast (NumPy rules)
//   a 1-D first operand is a row vector [1, k], a 1-D second one a column vector [k, 1], and
//   that dim is dropped from the result; [k] · [k] is the dot product (0-dim).
// Transposed and other strided views are read in place (by the CPU kernel's packing, or as a
// cuBLASLt transpose flag), not copied. dtypes f32, f64 and bf16; bf16 accumulates in f32 (on
// the CPU it is converted to f32 and back).
Tensor matmul(const Tensor& a, const Tensor& b);
// The same product with the result in `output_dtype`: the inputs' dtype, or f32 for bf16
// inputs (mixed precision keeps the f32 sums without rounding them to bf16).
Tensor matmul(const Tensor& a, const Tensor& b, DType output_dtype);

// torch.nn.functional.linear: y = x · weightᵀ + bias, with x [..., in], weight [out, in] (the
// layout of torch.nn.Linear's weight), bias [out] in the output's dtype or undefined, y [..., out].
// One GEMM: on the GPU the bias is added in cuBLASLt's epilogue, on the CPU the GEMM adds its
// product to rows prefilled with the bias.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, DType output_dtype);

}  // namespace hg::ops
