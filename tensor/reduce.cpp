// Reductions: each run of adjacent reduced dims becomes the middle axis of an
// [outer, length, inner] view and is reduced in place of a transpose (tensor/cpu/reduce.h,
// cuda/reduce.cu).
#include "tensor/reduce.h"

#include <algorithm>
#include <type_traits>

#include "core/profiler.h"
#include "tensor/cpu/reduce.h"
#include "tensor/elementwise.h"
#include "tensor/views.h"

namespace hg::ops {

namespace {

struct Plan {
  std::vector<bool> reduced;
  Shape kept_shape, keepdim_shape;
  int64_t reduced_count = 1;  // elements reduced into each output
};

Plan plan_reduction(const Tensor& x, const Dims& dims, const char* op) {
  Plan plan;
  plan.reduced.assign(x.dim(), dims.empty());
  for (int64_t dim : dims) {
    int d = normalize_dim(dim, x.dim(), op);
    HG_CHECK(!plan.reduced[d] || dims.empty(), op, ": dim ", dim, " is listed twice");
    plan.reduced[d] = true;
  }
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (plan.reduced[d]) {
      plan.reduced_count *= x.shape()[d];
      plan.keepdim_shape.push_back(1);
    } else {
      plan.kept_shape.push_back(x.shape()[d]);
      plan.keepdim_shape.push_back(x.shape()[d]);
    }
  }
  return plan;
}

// Runs the reduction; returns values (and indices when asked) shaped by keepdim. Each run of
// adjacent reduced dims is the middle axis of an [outer, length, inner] view of the (packed)
// input; the runs are reduced from the last to the first, so nothing is ever transposed.
std::pair<Tensor, Tensor> reduce(ReduceOp op, const Tensor& x, const Dims& dims, bool keepdim,
                                 bool want_indices, const char* name) {
  check_defined(x, name);
  Plan plan = plan_reduction(x, dims, name);
  HG_CHECK(op == ReduceOp::sum || plan.reduced_count > 0, name, ": cannot reduce an empty dim of ",
           x.description());
  HG_CHECK(x.dtype() == DType::f32 || x.dtype() == DType::f64 || x.dtype() == DType::i32 ||
               x.dtype() == DType::i64,
           name, ": dtype ", dtype_name(x.dtype()), " is not supported");
  profiler::Scope scope(name, x.is_cuda());
  Tensor current = x.contiguous(), indices;
  Shape shape = x.shape();
  std::vector<bool> reduced = plan.reduced;
  bool reduced_any = false;
  while (true) {
    int64_t end = static_cast<int64_t>(reduced.size());
    while (end > 0 && !reduced[end - 1]) --end;
    if (end == 0) break;
    int64_t begin = end - 1;
    while (begin > 0 && reduced[begin - 1]) --begin;
    int64_t outer = 1, length = 1, inner = 1;
    for (int64_t d = 0; d < begin; ++d) outer *= shape[d];
    for (int64_t d = begin; d < end; ++d) length *= shape[d];
    for (int64_t d = end; d < static_cast<int64_t>(shape.size()); ++d) inner *= shape[d];
    Shape next_shape(shape.begin(), shape.begin() + begin);
    next_shape.insert(next_shape.end(), shape.begin() + end, shape.end());
    Tensor values = Tensor::empty(next_shape, x.dtype(), x.device());
    if (want_indices) indices = Tensor::empty(next_shape, DType::i64, x.device());
    dispatch_numeric(x.dtype(), name, [&](auto zero) {
      using T = decltype(zero);
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                    std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
        int64_t* index_data = want_indices ? indices.data<int64_t>() : nullptr;
        if (x.is_cuda()) {
          cuda::reduce_middle<T>(op, current.data<T>(), outer, length, inner, values.data<T>(),
                                 index_data, cuda::current_stream());
        } else {
          cpu::reduce_middle<T>(op, current.data<T>(), outer, length, inner, values.data<T>(),
                                index_data);
        }
      }
    });
    current = values;
    shape = next_shape;
    reduced.erase(reduced.begin() + begin, reduced.begin() + end);
    reduced_any = true;
  }
  if (!reduced_any) current = current.clone();  // never hand back the input itself
  Shape result_shape = keepdim ? plan.keepdim_shape : plan.kept_shape;
  return {reshape(current, result_shape), want_indices ? reshape(indices, result_shape) : Tensor()};
}

}  // namespace

Tensor sum(const Tensor& x, const Dims& dims, bool keepdim) {
  return reduce(ReduceOp::sum, x, dims, keepdim, false, "sum").first;
}

Tensor mean(const Tensor& x, const Dims& dims, bool keepdim) {
  Tensor total = sum(x, dims, keepdim);
  int64_t count = x.numel() / std::max<int64_t>(total.numel(), 1);
  return mul_scalar(total, 1.0 / static_cast<double>(std::max<int64_t>(count, 1)));
}

Tensor var(const Tensor& x, const Dims& dims, bool keepdim, bool unbiased) {
  Tensor centered = sub(x, mean(x, dims, true));
  Tensor squared_sum = sum(mul(centered, centered), dims, keepdim);
  int64_t count = x.numel() / std::max<int64_t>(squared_sum.numel(), 1);
  int64_t divisor = unbiased ? count - 1 : count;
  HG_CHECK(divisor > 0, "var: needs at least ", unbiased ? 2 : 1, " elements per reduction, got ",
           count);
  return mul_scalar(squared_sum, 1.0 / static_cast<double>(divisor));
}

Tensor max(const Tensor& x, const Dims& dims, bool keepdim) {
  return reduce(ReduceOp::max, x, dims, keepdim, false, "max").first;
}

Tensor min(const Tensor& x, const Dims& dims, bool keepdim) {
  return reduce(ReduceOp::min, x, dims, keepdim, false, "min").first;
}

Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  return reduce(ReduceOp::max, x, {dim}, keepdim, true, "argmax").second;
}

Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) {
  return reduce(ReduceOp::min, x, {dim}, keepdim, true, "argmin").second;
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  HG_CHECK(broadcast_shapes(shape, x.shape(), "sum_to") == x.shape(),
           "sum_to: ", shape_string(shape), " does not broadcast to ", x.description());
  size_t lead = x.shape().size() - shape.size();
  Dims dims;
  for (size_t d = 0; d < x.shape().size(); ++d)
    if (d < lead || (shape[d - lead] == 1 && x.shape()[d] != 1))
      dims.push_back(static_cast<int64_t>(d));
  if (dims.empty()) return reshape(x, shape);
  return reshape(sum(x, dims, true), shape);
}

}  // namespace hg::ops
