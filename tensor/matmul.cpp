// Matrix product dispatch: shapes, dtypes and devices are checked here, 1-D operands and
// linear's leading dims are reduced to one batched product [batch..., m, k] · [batch..., k, n],
// which runs on the CPU GEMM (tensor/cpu/gemm.cpp) or cuBLASLt (cuda/matmul.cpp).
#include "tensor/matmul.h"

#include <algorithm>
#include <optional>

#include "core/profiler.h"
#include "cuda/matmul.h"
#include "tensor/copy.h"
#include "tensor/cpu/matmul.h"
#include "tensor/views.h"

namespace hg::ops {

namespace {

Shape batch_dims(const Tensor& x) { return Shape(x.shape().begin(), x.shape().end() - 2); }
Shape batch_strides(const Tensor& x) { return Shape(x.strides().begin(), x.strides().end() - 2); }

void check_dtypes(const Tensor& a, DType output_dtype, const char* op) {
  HG_CHECK(is_floating(a.dtype()), op, ": dtype ", dtype_name(a.dtype()),
           " is not supported (f32, f64 or bf16)");
  HG_CHECK(output_dtype == a.dtype() || (a.dtype() == DType::bf16 && output_dtype == DType::f32),
           op, ": a product of ", dtype_name(a.dtype()), " tensors cannot be written as ",
           dtype_name(output_dtype), " (only bf16 inputs may give an f32 result)");
}

// The CPU kernel reads any strides: hand it the tensor's own.
template <typename T>
cpu::MatrixOperand<T> cpu_operand(const Tensor& x, const Shape& batch_shape) {
  return {x.data<T>(), x.strides()[x.dim() - 2], x.strides()[x.dim() - 1],
          broadcast_index(batch_dims(x), batch_strides(x), batch_shape)};
}

void multiply_on_cpu(const Tensor& a, const Tensor& b, const Tensor& bias, const Tensor& result,
                     const Shape& batch_shape) {
  // bf16 is a storage type on the CPU: compute in f32 and round once at the end.
  const DType compute = a.dtype() == DType::bf16 ? DType::f32 : a.dtype();
  Tensor a_compute = a.to(compute), b_compute = b.to(compute);
  Tensor bias_compute = bias.defined() ? bias.to(compute).contiguous() : bias;
  Tensor c = result.dtype() == compute ? result : Tensor::empty(result.shape(), compute);
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  dispatch_floating(compute, "matmul", [&](auto zero) {
    using T = decltype(zero);
    cpu::gemm<T>(m, n, k, shape_numel(batch_shape), cpu_operand<T>(a_compute, batch_shape),
                 cpu_operand<T>(b_compute, batch_shape), c.data<T>(), false,
                 bias.defined() ? bias_compute.data<T>() : nullptr);
  });
  if (!c.same(result)) copy_(result, c);
}

// cuBLASLt's view of a matrix [rows × columns]: a unit column stride (row-major, the row stride
// is the leading dimension, ≥ columns) or a unit row stride (a transposed view, the column
// stride ≥ rows). A dim of size 1 never steps, so its stride is free and is chosen to fit.
std::optional<std::pair<int64_t, int64_t>> blas_strides(const Tensor& x) {
  const int64_t rows = x.size(-2), columns = x.size(-1);
  int64_t row_stride = x.strides()[x.dim() - 2], column_stride = x.strides()[x.dim() - 1];
  if (columns == 1) column_stride = 1;
  if (rows == 1) row_stride = column_stride == 1 ? std::max<int64_t>(columns, 1) : 1;
  if (column_stride == 1 && row_stride >= std::max<int64_t>(columns, 1))
    return std::pair{row_stride, column_stride};
  if (row_stride == 1 && column_stride >= std::max<int64_t>(rows, 1))
    return std::pair{row_stride, column_stride};
  return std::nullopt;
}

// A strided batch finds matrix b at b · stride. There is such a stride when the broadcast batch
// dims (of size > 1) all have stride 0, or each has the next inner one's stride times its size.
std::optional<int64_t> uniform_batch_stride(const Tensor& x, const Shape& batch_shape) {
  StridedIndex index = broadcast_index(batch_dims(x), batch_strides(x), batch_shape);
  std::optional<int64_t> stride;
  int64_t expected = 0;
  for (int d = index.ndim - 1; d >= 0; --d) {
    if (index.sizes[d] == 1) continue;
    if (!stride) {
      stride = index.strides[d];
    } else if (index.strides[d] != expected) {
      return std::nullopt;
    }
    expected = index.strides[d] * index.sizes[d];
  }
  return stride.value_or(0);
}

// x itself when cuBLASLt can read it in place, else (a sliced column, a batch broadcast over
// inner dims only; rare) x packed to the full batch, which always can be.
Tensor gpu_readable(const Tensor& x, const Shape& batch_shape) {
  if (blas_strides(x) && uniform_batch_stride(x, batch_shape)) return x;
  Shape full = batch_shape;
  full.push_back(x.size(-2));
  full.push_back(x.size(-1));
  return expand(x, full).contiguous();
}

template <typename T>
cuda::GemmOperand<T> gpu_operand(const Tensor& readable, const Shape& batch_shape) {
  const std::pair<int64_t, int64_t> strides = *blas_strides(readable);
  return {readable.data<T>(), strides.first, strides.second,
          *uniform_batch_stride(readable, batch_shape)};
}

void multiply_on_gpu(const Tensor& a, const Tensor& b, const Tensor& bias, const Tensor& result,
                     const Shape& batch_shape) {
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  // Held until the GEMM is queued: a packed copy must not return to the allocator before.
  Tensor a_readable = gpu_readable(a, batch_shape), b_readable = gpu_readable(b, batch_shape);
  Tensor packed_bias = bias.defined() ? bias.contiguous() : bias;
  auto run = [&](auto input_zero, auto output_zero) {
    using Input = decltype(input_zero);
    using Output = decltype(output_zero);
    cuda::gemm<Input, Output>(
        m, n, k, shape_numel(batch_shape), gpu_operand<Input>(a_readable, batch_shape),
        gpu_operand<Input>(b_readable, batch_shape), result.data<Output>(),
        bias.defined() ? packed_bias.data<Output>() : nullptr, cuda::current_stream());
  };
  switch (a.dtype()) {
    case DType::f32:
      return run(float{}, float{});
    case DType::f64:
      return run(double{}, double{});
    default:  // bf16, checked by check_dtypes
      if (result.dtype() == DType::f32) return run(bf16{}, float{});
      return run(bf16{}, bf16{});
  }
}

// result [batch_shape..., m, n] = a [..., m, k] · b [..., k, n] (+ bias [n]); both at least
// 2-D, shapes already checked by the public op.
Tensor product(const Tensor& a, const Tensor& b, const Tensor& bias, DType output_dtype,
               const char* op) {
  Shape batch_shape = broadcast_shapes(batch_dims(a), batch_dims(b), op);
  Shape result_shape = batch_shape;
  result_shape.push_back(a.size(-2));
  result_shape.push_back(b.size(-1));
  Tensor result = Tensor::empty(result_shape, output_dtype, a.device());
  if (result.numel() == 0) return result;
  if (a.size(-1) == 0) {  // an empty sum: no GEMM, just the bias or zeros
    if (bias.defined()) {
      copy_(result, bias);
    } else {
      fill_(result, 0);
    }
    return result;
  }
  profiler::Scope scope(op, a.is_cuda());
  if (a.is_cuda()) {
    multiply_on_gpu(a, b, bias, result, batch_shape);
  } else {
    multiply_on_cpu(a, b, bias, result, batch_shape);
  }
  return result;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_defined(a, "matmul");
  return matmul(a, b, a.dtype());
}

Tensor matmul(const Tensor& a, const Tensor& b, DType output_dtype) {
  check_defined(a, "matmul");
  check_defined(b, "matmul");
  check_same_device_and_dtype(a, b, "matmul");
  check_dtypes(a, output_dtype, "matmul");
  HG_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: both operands need at least one dim, got ",
           shape_string(a.shape()), " and ", shape_string(b.shape()));
  const int64_t a_columns = a.size(-1), b_rows = b.dim() == 1 ? b.size(0) : b.size(-2);
  HG_CHECK(a_columns == b_rows, "matmul: cannot multiply ", shape_string(a.shape()), " by ",
           shape_string(b.shape()), ": the first has ", a_columns, " columns, the second ", b_rows,
           " rows");
  // Batch dims, aligned from the right, must each be equal or 1 in one of the two.
  if (a.dim() > 2 && b.dim() > 2) {
    for (int64_t i = 3; i <= std::min(a.dim(), b.dim()); ++i) {
      const int64_t a_size = a.size(-i), b_size = b.size(-i);
      HG_CHECK(a_size == b_size || a_size == 1 || b_size == 1, "matmul: the batch dims of ",
               shape_string(a.shape()), " and ", shape_string(b.shape()), " do not broadcast");
    }
  }
  // A vector becomes a one-row (first) or one-column (second) matrix, a view.
  Tensor matrix_a = a.dim() == 1 ? unsqueeze(a, 0) : a;
  Tensor matrix_b = b.dim() == 1 ? unsqueeze(b, 1) : b;
  Tensor result = product(matrix_a, matrix_b, Tensor(), output_dtype, "matmul");
  if (a.dim() > 1 && b.dim() > 1) return result;
  Shape shape(result.shape().begin(), result.shape().end() - 2);
  if (a.dim() > 1) shape.push_back(result.size(-2));
  if (b.dim() > 1) shape.push_back(result.size(-1));
  return reshape(result, shape);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_defined(x, "linear");
  return linear(x, weight, bias, x.dtype());
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, DType output_dtype) {
  check_defined(x, "linear");
  check_defined(weight, "linear");
  check_same_device_and_dtype(x, weight, "linear");
  check_dtypes(x, output_dtype, "linear");
  HG_CHECK(weight.dim() == 2, "linear: weight must be [out_features, in_features], got ",
           shape_string(weight.shape()));
  HG_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input ", shape_string(x.shape()),
           " does not end in the ", weight.size(1), " input features of weight ",
           shape_string(weight.shape()));
  if (bias.defined()) {
    HG_CHECK(bias.device() == x.device(), "linear: bias ", bias.description(), " is not on ",
             device_name(x.device()), " like the input ", x.description());
    HG_CHECK(bias.dtype() == output_dtype, "linear: bias ", bias.description(),
             " must have the output's dtype ", dtype_name(output_dtype));
    HG_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0), "linear: bias ",
             shape_string(bias.shape()), " does not match the ", weight.size(0),
             " output features of weight ", shape_string(weight.shape()));
  }
  // The leading dims of x are the rows of one GEMM (a view when x is contiguous, and a 2-D x
  // keeps its strides, transposed or not); weightᵀ is a transposed view: a flag, not a copy.
  const Shape leading(x.shape().begin(), x.shape().end() - 1);
  Tensor rows = x.dim() == 2 ? x : reshape(x, {shape_numel(leading), x.size(-1)});
  Tensor y = product(rows, transpose(weight, 0, 1), bias, output_dtype, "linear");
  Shape shape = leading;
  shape.push_back(weight.size(0));
  return reshape(y, shape);
}

}  // namespace hg::ops
