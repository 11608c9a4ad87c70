// Shape arithmetic: element counts, row-major strides, broadcasting.
#include "tensor/shape.h"

#include <sstream>

#include "core/error.h"

namespace hg {

int64_t shape_numel(const Shape& shape) {
  int64_t count = 1;
  for (int64_t size : shape) count *= size;
  return count;
}

std::string shape_string(const Shape& shape) {
  std::ostringstream text;
  text << '[';
  for (size_t i = 0; i < shape.size(); ++i) text << (i ? ", " : "") << shape[i];
  text << ']';
  return text.str();
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t ndim = std::max(a.size(), b.size());
  Shape result(ndim);
  for (size_t i = 0; i < ndim; ++i) {
    int64_t size_a = i < ndim - a.size() ? 1 : a[i - (ndim - a.size())];
    int64_t size_b = i < ndim - b.size() ? 1 : b[i - (ndim - b.size())];
    HG_CHECK(size_a == size_b || size_a == 1 || size_b == 1, op, ": shapes ", shape_string(a),
             " and ", shape_string(b), " do not broadcast");
    result[i] = size_a == 1 ? size_b : size_a;
  }
  return result;
}

int normalize_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t normalized = dim < 0 ? dim + ndim : dim;
  HG_CHECK(normalized >= 0 && normalized < std::max<int64_t>(ndim, 1), op, ": dim ", dim,
           " is out of range for a tensor with ", ndim, " dims");
  return static_cast<int>(normalized);
}

StridedIndex broadcast_index(const Shape& shape, const Shape& strides, const Shape& target) {
  HG_CHECK(target.size() <= static_cast<size_t>(kMaxDims), "tensors have at most ", kMaxDims,
           " dims, got ", shape_string(target));
  StridedIndex index;
  index.ndim = static_cast<int>(target.size());
  size_t lead = target.size() - shape.size();
  int64_t expected = 1;
  index.contiguous = true;
  for (size_t i = target.size(); i-- > 0;) {
    index.sizes[i] = target[i];
    bool present = i >= lead;
    int64_t size = present ? shape[i - lead] : 1;
    index.strides[i] = (present && size != 1) ? strides[i - lead] : 0;
    if (target[i] != 1 && index.strides[i] != expected) index.contiguous = false;
    expected *= target[i];
  }
  return index;
}

}  // namespace hg
