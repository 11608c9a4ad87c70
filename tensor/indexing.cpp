// Indexing dispatch: shape, dtype and range checks, then tensor/cpu/indexing.h or
// cuda/indexing.cu. concat and stack are strided copies into slices of the result;
// index_select and index_add are gather and scatter-add with the 1-D index spread over the
// other dims as a stride-0 view, so the same two kernels serve all four ops.
#include "tensor/indexing.h"

#include "core/profiler.h"
#include "cuda/runtime.h"
#include "tensor/copy.h"
#include "tensor/cpu/indexing.h"
#include "tensor/elementwise.h"
#include "tensor/reduce.h"
#include "tensor/views.h"

namespace hg::ops {

void check_index_range(const Tensor& index, int64_t size, const char* op, const std::string& what) {
  check_defined(index, op);
  HG_CHECK(index.dtype() == DType::i64, op, ": indices must be i64, got ", index.description());
  if (index.numel() == 0) return;
  // Two reductions and one two-element copy (one synchronisation on CUDA), instead of moving
  // the whole index to the host.
  std::vector<int64_t> bounds = stack({min(index), max(index)}, 0).to_vector<int64_t>();
  int64_t lowest = bounds[0], highest = bounds[1];
  if (lowest >= 0 && highest < size) return;
  std::string valid =
      size > 0 ? detail::concat("valid indices are 0 to ", size - 1) : "it is empty";
  throw Error(detail::concat(op, ": index ", lowest < 0 ? lowest : highest, " is out of range for ",
                             what, " (", valid, ")"));
}

namespace {

std::string dim_description(const Tensor& x, int d) {
  return detail::concat("dim ", d, " (size ", x.shape()[d], ") of ", x.description());
}

// `tensor` read at the coordinates of `sizes` (same rank, each size ≤ the tensor's).
StridedIndex view_index(const Tensor& tensor, const Shape& sizes) {
  StridedIndex index;
  index.ndim = static_cast<int>(sizes.size());
  index.contiguous = tensor.shape() == sizes && tensor.is_contiguous();
  for (size_t k = 0; k < sizes.size(); ++k) {
    index.sizes[k] = sizes[k];
    index.strides[k] = tensor.strides()[k];
  }
  return index;
}

IndexedAccess access_along(const Tensor& data, int d, const Tensor& index) {
  IndexedAccess access;
  access.fiber = view_index(data, index.shape());
  access.fiber.strides[d] = 0;
  access.fiber.contiguous = false;
  access.dim_stride = data.strides()[d];
  access.position = broadcast_index(index.shape(), index.strides(), index.shape());
  return access;
}

// A 1-D index seen as a tensor of `shape` whose coordinate d is the index position and whose
// other coordinates are ignored (stride 0): index_select's index in gather's form.
Tensor spread_along(const Tensor& index, int d, const Shape& shape) {
  Shape strides(shape.size(), 0);
  strides[d] = index.strides()[0];
  return Tensor::from_storage(index.storage(), shape, strides, index.offset(), DType::i64);
}

void check_index_tensor(const Tensor& x, int d, const Tensor& index, const char* op) {
  check_defined(index, op);
  HG_CHECK(index.device() == x.device(), op, ": index ", index.description(), " and input ",
           x.description(), " are on different devices");
  HG_CHECK(index.dtype() == DType::i64, op, ": indices must be i64, got ", index.description());
  HG_CHECK(index.dim() == x.dim(), op, ": index ", index.description(),
           " must have as many dims as ", x.description());
  for (int k = 0; k < x.dim(); ++k)
    HG_CHECK(k == d || index.shape()[k] <= x.shape()[k], op, ": index ", index.description(),
             " is larger than ", x.description(), " in dim ", k);
}

// Indices already checked; result has index's shape.
Tensor gather_checked(const Tensor& x, int d, const Tensor& index, const char* op) {
  Tensor result = Tensor::empty(index.shape(), x.dtype(), x.device());
  IndexedAccess access = access_along(x, d, index);
  profiler::Scope scope(op, x.is_cuda());
  dispatch_all(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if (x.is_cuda()) {
      cuda::gather<T>(x.data<T>(), access, index.data<int64_t>(), result.data<T>(), result.numel(),
                      cuda::current_stream());
    } else {
      cpu::gather<T>(x.data<T>(), access, index.data<int64_t>(), result.data<T>(), result.numel());
    }
  });
  return result;
}

// result (contiguous) += source at the indexed positions; indices already checked.
void scatter_add_checked(const Tensor& result, int d, const Tensor& index, const Tensor& source,
                         const char* op) {
  IndexedAccess access = access_along(result, d, index);
  StridedIndex source_index = view_index(source, index.shape());
  int64_t count = index.numel(), outer = 1, inner = 1;
  for (int64_t k = 0; k < d; ++k) outer *= index.shape()[k];
  for (int64_t k = d + 1; k < index.dim(); ++k) inner *= index.shape()[k];
  // The CPU loop reads the source in the index's order: a view, or a source larger than the
  // index, is packed first.
  Tensor packed_source = source;
  if (!result.is_cuda() && !source_index.contiguous) {
    for (int k = 0; k < index.dim(); ++k)
      packed_source = narrow(packed_source, k, 0, index.shape()[k]);
    packed_source = packed_source.contiguous();
  }
  profiler::Scope scope(op, result.is_cuda());
  dispatch_floating(result.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    if (result.is_cuda()) {
      cuda::scatter_add<T>(result.data<T>(), access, index.data<int64_t>(), source.data<T>(),
                           source_index, count, index.shape()[d], inner, cuda::deterministic(),
                           cuda::current_stream());
    } else {
      cpu::scatter_add<T>(result.data<T>(), access, index.data<int64_t>(), packed_source.data<T>(),
                          count, outer);
    }
  });
}

int indexed_dim(const Tensor& x, int64_t dim, const char* op) {
  check_defined(x, op);
  HG_CHECK(x.dim() > 0, op, ": cannot index the 0-dim tensor ", x.description());
  return normalize_dim(dim, x.dim(), op);
}

}  // namespace

Tensor concat(const std::vector<Tensor>& tensors, int64_t dim) {
  HG_CHECK(!tensors.empty(), "concat: needs at least one tensor");
  const Tensor& first = tensors[0];
  int d = indexed_dim(first, dim, "concat");
  Shape shape = first.shape();
  shape[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& tensor = tensors[i];
    check_same_device_and_dtype(first, tensor, "concat");
    bool fits = tensor.dim() == first.dim();
    for (int k = 0; fits && k < first.dim(); ++k)
      fits = k == d || tensor.shape()[k] == first.shape()[k];
    HG_CHECK(fits, "concat: tensor ", i, " ", tensor.description(), " does not match tensor 0 ",
             first.description(), " outside dim ", dim);
    shape[d] += tensor.shape()[d];
  }
  Tensor result = Tensor::empty(shape, first.dtype(), first.device());
  profiler::Scope scope("concat", first.is_cuda());
  int64_t start = 0;
  for (const Tensor& tensor : tensors) {
    copy_(narrow(result, d, start, tensor.shape()[d]), tensor);
    start += tensor.shape()[d];
  }
  return result;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  HG_CHECK(!tensors.empty(), "stack: needs at least one tensor");
  check_defined(tensors[0], "stack");
  int d = normalize_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> unsqueezed;
  for (size_t i = 0; i < tensors.size(); ++i) {
    check_defined(tensors[i], "stack");
    HG_CHECK(tensors[i].shape() == tensors[0].shape(), "stack: tensor ", i, " ",
             tensors[i].description(), " does not have the shape of tensor 0 ",
             tensors[0].description());
    unsqueezed.push_back(unsqueeze(tensors[i], d));
  }
  return concat(unsqueezed, d);
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  int d = indexed_dim(x, dim, "index_select");
  check_defined(index, "index_select");
  HG_CHECK(index.dim() == 1 && index.device() == x.device(), "index_select: index ",
           index.description(), " must be 1-D and on the device of ", x.description());
  check_index_range(index, x.shape()[d], "index_select", dim_description(x, d));
  Shape shape = x.shape();
  shape[d] = index.shape()[0];
  return gather_checked(x, d, spread_along(index, d, shape), "index_select");
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  int d = indexed_dim(x, dim, "gather");
  check_index_tensor(x, d, index, "gather");
  check_index_range(index, x.shape()[d], "gather", dim_description(x, d));
  return gather_checked(x, d, index, "gather");
}

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source) {
  int d = indexed_dim(x, dim, "scatter_add");
  check_same_device_and_dtype(x, source, "scatter_add");
  check_index_tensor(x, d, index, "scatter_add");
  HG_CHECK(source.dim() == index.dim(), "scatter_add: source ", source.description(),
           " must have as many dims as index ", index.description());
  for (int k = 0; k < index.dim(); ++k)
    HG_CHECK(index.shape()[k] <= source.shape()[k], "scatter_add: index ", index.description(),
             " is larger than source ", source.description(), " in dim ", k);
  check_index_range(index, x.shape()[d], "scatter_add", dim_description(x, d));
  Tensor result = x.clone();
  scatter_add_checked(result, d, index, source, "scatter_add");
  return result;
}

void index_add_(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source) {
  int d = indexed_dim(x, dim, "index_add");
  check_same_device_and_dtype(x, source, "index_add");
  check_defined(index, "index_add");
  HG_CHECK(x.is_contiguous(), "index_add_: the in-place target ", x.description(),
           " must be contiguous");
  HG_CHECK(index.dim() == 1 && index.device() == x.device(), "index_add: index ",
           index.description(), " must be 1-D and on the device of ", x.description());
  Shape expected = x.shape();
  expected[d] = index.shape()[0];
  HG_CHECK(source.shape() == expected, "index_add: source ", source.description(),
           " must have shape ", shape_string(expected), " (", x.description(), " with dim ", dim,
           " the length of index ", index.description(), ")");
  check_index_range(index, x.shape()[d], "index_add", dim_description(x, d));
  scatter_add_checked(x, d, spread_along(index, d, expected), source, "index_add");
}

Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source) {
  check_defined(x, "index_add");
  Tensor result = x.clone();
  index_add_(result, dim, index, source);
  return result;
}

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  check_same_device_and_dtype(a, b, "where");
  check_defined(condition, "where");
  HG_CHECK(condition.device() == a.device(), "where: condition ", condition.description(),
           " and values ", a.description(), " are on different devices");
  Shape shape =
      broadcast_shapes(condition.shape(), broadcast_shapes(a.shape(), b.shape(), "where"), "where");
  // "Nonzero is true" for every dtype: compare with 0 rather than cast (a cast would turn 0.5
  // into 0). u8 needs neither: the kernel tests ≠ 0 itself.
  Tensor mask = condition;
  if (condition.dtype() != DType::u8) {
    Tensor numeric = condition.dtype() == DType::bf16 ? condition.to(DType::f32) : condition;
    Tensor zero = Tensor::zeros({}, numeric.dtype(), numeric.device());
    mask = binary(BinaryOp::ne, numeric, zero).to(DType::u8);
  }
  Tensor result = Tensor::empty(shape, a.dtype(), a.device());
  StridedIndex mask_index = broadcast_index(mask.shape(), mask.strides(), shape);
  StridedIndex a_index = broadcast_index(a.shape(), a.strides(), shape);
  StridedIndex b_index = broadcast_index(b.shape(), b.strides(), shape);
  profiler::Scope scope("where", a.is_cuda());
  dispatch_all(a.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if (a.is_cuda()) {
      cuda::where<T>(mask.data<uint8_t>(), mask_index, a.data<T>(), a_index, b.data<T>(), b_index,
                     result.data<T>(), result.numel(), cuda::current_stream());
    } else {
      cpu::where<T>(mask.data<uint8_t>(), mask_index, a.data<T>(), a_index, b.data<T>(), b_index,
                    result.data<T>(), result.numel());
    }
  });
  return result;
}

Tensor one_hot(const Tensor& labels, int64_t num_classes) {
  check_defined(labels, "one_hot");
  HG_CHECK(labels.dtype() == DType::i64, "one_hot: labels must be i64, got ", labels.description());
  if (num_classes == -1) {
    HG_CHECK(labels.numel() > 0, "one_hot: cannot infer num_classes from the empty ",
             labels.description(), "; pass it");
    num_classes = max(labels).item<int64_t>() + 1;
  }
  HG_CHECK(num_classes > 0, "one_hot: num_classes must be positive or -1, got ", num_classes);
  check_index_range(labels, num_classes, "one_hot", detail::concat(num_classes, " classes"));
  Shape shape = labels.shape();
  shape.push_back(num_classes);
  Tensor result = Tensor::zeros(shape, DType::f32, labels.device());
  Tensor index = unsqueeze(labels, -1);
  Tensor one = expand(Tensor::ones({}, DType::f32, labels.device()), index.shape());
  scatter_add_checked(result, static_cast<int>(shape.size()) - 1, index, one, "one_hot");
  return result;
}

}  // namespace hg::ops
