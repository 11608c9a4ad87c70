// Raw copy and fill: the ops behind contiguous(), to(), clone() and the factories.
#pragma once

#include "tensor/tensor.h"

namespace hg::ops {

// destination[...] = source[...], broadcasting `source` to destination's shape and converting
// its dtype. Works across devices (the bytes travel first, then the conversion runs on the
// destination's device).
void copy_(const Tensor& destination, const Tensor& source);

// Every element of `tensor` (any layout) set to `value` converted to its dtype.
void fill_(const Tensor& tensor, double value);

}  // namespace hg::ops
