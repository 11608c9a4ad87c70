// Channels-last memory (NHWC) for [N, C, H, W] tensors, as PyTorch's torch.channels_last: the
// shape stays [N, C, H, W], the strides are [H·W·C, 1, W·C, C], so a pixel's channels lie side
// by side. cuDNN's bf16 tensor-core convolutions read and write this layout; given NCHW they
// transpose in their workspace, one more pass over each operand. A weight [O, C, kH, kW] packed
// this way is cuDNN's OHWI (its NHWC filter format).
#pragma once

#include "tensor/tensor.h"

namespace hg::ops {

// Whether x is a 4-dim tensor whose memory is channels-last (sizes of 1 take any stride, as in
// Tensor::is_contiguous).
bool is_channels_last(const Tensor& x);

// x as a channels-last tensor of `dtype`: x itself when it already is one of that dtype,
// otherwise one strided copy that transposes and converts in the same pass.
Tensor channels_last(const Tensor& x, DType dtype);

// An uninitialised channels-last tensor of `shape` [N, C, H, W].
Tensor empty_channels_last(const Shape& shape, DType dtype, Device device);

}  // namespace hg::ops
