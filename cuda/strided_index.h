// StridedIndex: how a kernel finds element `linear` (row-major over the output's shape) inside
// an operand that may be a view (transposed, sliced, broadcast with stride 0).
//
//   offset(linear) = sum_d  coordinate_d(linear) * stride_d
//
// Plain data (no pointers, fixed arrays) so it is passed to CUDA kernels by value and used
// by the CPU reference unchanged.
#pragma once

#include <cstdint>

#include "core/host_device.h"

namespace hg {

constexpr int kMaxDims = 8;

struct StridedIndex {
  int ndim = 0;
  bool contiguous = true;  // offset(linear) == linear: the fast path skips the division chain
  int64_t sizes[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};

  HG_HOST_DEVICE int64_t offset(int64_t linear) const {
    if (contiguous) return linear;
    int64_t result = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      result += (linear % sizes[d]) * strides[d];
      linear /= sizes[d];
    }
    return result;
  }
};

}  // namespace hg
