// CUDA launchers for elementwise ops (stubs that throw in a CPU-only build: cuda/without_cuda/).
// CPU twins: tensor/cpu/elementwise.h, which documents each one; the formulas are in
// cuda/elementwise_math.h.
#pragma once

#include <cstdint>

#include "cuda/elementwise_math.h"
#include "cuda/stream.h"
#include "cuda/strided_index.h"

namespace hg::cuda {

template <typename T>
void unary(UnaryOp op, const T* x, StridedIndex x_index, T* y, int64_t count, T alpha, T beta,
           Stream stream);

template <typename T>
void unary_backward(UnaryOp op, const T* grad, const T* x, StridedIndex x_index, const T* y,
                    T* result, int64_t count, T alpha, T beta, Stream stream);

template <typename T>
void binary(BinaryOp op, const T* a, StridedIndex a_index, const T* b, StridedIndex b_index,
            T* result, int64_t count, Stream stream);

template <typename T>
void binary_backward(BinaryOp op, bool with_respect_to_b, const T* grad, const T* a,
                     StridedIndex a_index, const T* b, StridedIndex b_index, T* result,
                     int64_t count, Stream stream);

}  // namespace hg::cuda
