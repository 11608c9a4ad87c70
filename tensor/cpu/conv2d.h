// CPU 2-D convolution: im2col + the blocked GEMM of tensor/cpu/gemm.cpp. This is what training
// without a GPU runs on, and the reference the cuDNN path (cuda/conv2d.h) is tested against.
// The formula and the geometry are in cuda/conv2d.h; the algorithm in tensor/cpu/conv2d.cpp.
// Every operand is packed: x [N, C, H, W], weight [O, C/groups, kH, kW], y [N, O, OH, OW].
// Defined for float and double.
#pragma once

#include "cuda/conv2d.h"

namespace hg::cpu {

// y = conv(x, weight) + bias (bias [O] or null).
template <typename T>
void conv2d_forward(const T* x, const T* weight, const T* bias, T* y, const Conv2dShape& shape);

// grad_x[n, c, h, w] = Σ over every (o, i, j, oh, ow) whose window reads (h, w) of
//                      weight[o, c, i, j] · grad_y[n, o, oh, ow]
template <typename T>
void conv2d_backward_input(const T* grad_y, const T* weight, T* grad_x, const Conv2dShape& shape);

// grad_weight[o, c, i, j] = Σ_{n, oh, ow} grad_y[n, o, oh, ow] · x[n, c', oh·s − p + i·d,
// ow·s − p + j·d], c' the input channel c of o's group.
template <typename T>
void conv2d_backward_weight(const T* grad_y, const T* x, T* grad_weight, const Conv2dShape& shape);

}  // namespace hg::cpu
