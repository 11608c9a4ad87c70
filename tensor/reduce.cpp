// Reductions: permute the reduced dims to the end, pack, and reduce rows
// (tensor/cpu/reduce.h, cuda/reduce.cu).
#include "tensor/reduce.h"

#include <algorithm>

#include "cuda/profiler.h"
#include "tensor/cpu/reduce.h"
#include "tensor/elementwise.h"
#include "tensor/views.h"

namespace hg::ops {

namespace {

struct Plan {
  std::vector<bool> reduced;
  Shape kept_shape, keepdim_shape;
  int64_t outer = 1, inner = 1;
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
      plan.inner *= x.shape()[d];
      plan.keepdim_shape.push_back(1);
    } else {
      plan.outer *= x.shape()[d];
      plan.kept_shape.push_back(x.shape()[d]);
      plan.keepdim_shape.push_back(x.shape()[d]);
    }
  }
  return plan;
}

// Runs the row reduction; returns values (and indices when asked) shaped by keepdim.
std::pair<Tensor, Tensor> reduce(ReduceOp op, const Tensor& x, const Dims& dims, bool keepdim,
                                 bool want_indices, const char* name) {
  check_defined(x, name);
  Plan plan = plan_reduction(x, dims, name);
  HG_CHECK(op == ReduceOp::sum || plan.inner > 0, name, ": cannot reduce an empty dim of ",
           x.description());
  Dims order;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!plan.reduced[d]) order.push_back(d);
  for (int64_t d = 0; d < x.dim(); ++d)
    if (plan.reduced[d]) order.push_back(d);
  profiler::Scope scope(name, x.is_cuda());
  Tensor packed = permute(x, order).contiguous();
  Tensor values = Tensor::empty(keepdim ? plan.keepdim_shape : plan.kept_shape, x.dtype(), x.device());
  Tensor indices;
  if (want_indices)
    indices = Tensor::empty(values.shape(), DType::i64, x.device());
  auto run = [&](auto zero) {
    using T = decltype(zero);
    int64_t* index_data = want_indices ? indices.data<int64_t>() : nullptr;
    if (x.is_cuda()) {
#if HASHGRAD_WITH_CUDA
      cuda::reduce_rows<T>(op, packed.data<T>(), plan.outer, plan.inner, values.data<T>(),
                           index_data, cuda::current_stream());
#endif
    } else {
      cpu::reduce_rows<T>(op, packed.data<T>(), plan.outer, plan.inner, values.data<T>(),
                          index_data);
    }
  };
  switch (x.dtype()) {
    case DType::f32: run(float{}); break;
    case DType::f64: run(double{}); break;
    case DType::i32: run(int32_t{}); break;
    case DType::i64: run(int64_t{}); break;
    default:
      throw Error(detail::concat(name, ": dtype ", dtype_name(x.dtype()), " is not supported"));
  }
  return {values, indices};
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
  HG_CHECK(divisor > 0, "var: needs at least ", unbiased ? 2 : 1, " elements per reduction, got ", count);
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
  HG_CHECK(broadcast_shapes(shape, x.shape(), "sum_to") == x.shape(), "sum_to: ",
           shape_string(shape), " does not broadcast to ", x.description());
  size_t lead = x.shape().size() - shape.size();
  Dims dims;
  for (size_t d = 0; d < x.shape().size(); ++d)
    if (d < lead || (shape[d - lead] == 1 && x.shape()[d] != 1)) dims.push_back(static_cast<int64_t>(d));
  if (dims.empty()) return reshape(x, shape);
  return reshape(sum(x, dims, true), shape);
}

}  // namespace hg::ops
