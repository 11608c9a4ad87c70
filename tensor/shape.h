// Shapes, strides and NumPy broadcasting.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cuda/strided_index.h"

namespace hg {

using Shape = std::vector<int64_t>;

int64_t shape_numel(const Shape& shape);
std::string shape_string(const Shape& shape);  // "[2, 3, 4]"

// Row-major strides: the last dimension is contiguous.
Shape contiguous_strides(const Shape& shape);

// NumPy broadcasting: align trailing dims; each pair must be equal or one of them 1.
// Throws naming both shapes and `op` when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// A negative dim counts from the end (-1 is the last); throws when out of range.
int normalize_dim(int64_t dim, int64_t ndim, const char* op);

// The StridedIndex that reads a tensor of (shape, strides) as if it had `target` shape:
// broadcast dims get stride 0. `shape` must broadcast to `target`.
StridedIndex broadcast_index(const Shape& shape, const Shape& strides, const Shape& target);

}  // namespace hg
