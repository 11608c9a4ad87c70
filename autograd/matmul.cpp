// Backward of the matrix products. For C = A · B with broadcast batch dims:
//   ∂L/∂A = ∂L/∂C · Bᵀ      ∂L/∂B = Aᵀ · ∂L/∂C
// each summed over the batch dims its operand was broadcast along (ops::sum_to). For
// y = x · Wᵀ + b, with the leading dims of x flattened into the rows of a matrix X:
//   ∂L/∂X = ∂L/∂Y · W       ∂L/∂W = (∂L/∂Y)ᵀ · X       ∂L/∂b = Σ_rows ∂L/∂Y
// Every transpose here is a view, which the GEMM reads with a flag instead of a copy.
// Under bf16 mixed precision (autograd/mixed_precision.h) every product, forward and backward,
// reads bf16 operands and writes f32: the saved operands are the bf16 copies (half the bytes).
#include "autograd/matmul.h"

#include "autograd/mixed_precision.h"
#include "autograd/node.h"
#include "tensor/matmul.h"
#include "tensor/reduce.h"
#include "tensor/views.h"

namespace hg {

namespace {
Tensor transposed(const Tensor& x) { return ops::transpose(x, -1, -2); }
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  const Precision precision = current_precision();
  const DType result_dtype = a.dtype();
  Tensor a_lowered = lowered_operand(a, precision);
  Tensor b_lowered = lowered_operand(b, precision);
  Tensor c = ops::matmul(a_lowered, b_lowered, result_dtype);
  // Saved for the other operand's gradient only. A vector operand is the matrix the forward
  // used: a row (first) or a column (second).
  Tensor a_matrix = needs_gradient(b)
                        ? (a.dim() == 1 ? ops::unsqueeze(a_lowered, 0) : a_lowered).detach()
                        : Tensor();
  Tensor b_matrix = needs_gradient(a)
                        ? (b.dim() == 1 ? ops::unsqueeze(b_lowered, 1) : b_lowered).detach()
                        : Tensor();
  const Shape a_shape = a.shape(), b_shape = b.shape();
  Shape a_matrix_shape = a_shape, b_matrix_shape = b_shape;
  if (a.dim() == 1) a_matrix_shape.insert(a_matrix_shape.begin(), 1);
  if (b.dim() == 1) b_matrix_shape.push_back(1);
  // The gradient as the batched [..., m, n] product it came from (vector dims put back).
  Shape batch = broadcast_shapes(Shape(a_matrix_shape.begin(), a_matrix_shape.end() - 2),
                                 Shape(b_matrix_shape.begin(), b_matrix_shape.end() - 2), "matmul");
  Shape product_shape = batch;
  product_shape.push_back(a_matrix_shape[a_matrix_shape.size() - 2]);
  product_shape.push_back(b_matrix_shape.back());
  return record(
      "matmul", c, {a, b},
      [a_matrix, b_matrix, a_shape, b_shape, a_matrix_shape, b_matrix_shape, product_shape,
       precision, result_dtype](const Tensor& grad, const GradientMask& needs) {
        Tensor grad_product = lowered_operand(ops::reshape(grad, product_shape), precision);
        Gradients gradients(2);
        if (needs[0]) {
          Tensor full = ops::matmul(grad_product, transposed(b_matrix), result_dtype);
          gradients[0] = ops::reshape(ops::sum_to(full, a_matrix_shape), a_shape);
        }
        if (needs[1]) {
          Tensor full = ops::matmul(transposed(a_matrix), grad_product, result_dtype);
          gradients[1] = ops::reshape(ops::sum_to(full, b_matrix_shape), b_shape);
        }
        return gradients;
      });
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  const Precision precision = current_precision();
  const DType result_dtype = x.dtype();
  Tensor x_lowered = lowered_operand(x, precision);
  Tensor weight_lowered = lowered_operand(weight, precision);
  Tensor y = ops::linear(x_lowered, weight_lowered, bias, result_dtype);
  const Shape x_shape = x.shape();
  // The rows of the one GEMM: every leading dim of x flattened (counted, not inferred with -1,
  // so that zero features still reshape).
  const int64_t rows = shape_numel(Shape(x_shape.begin(), x_shape.end() - 1));
  const int64_t out_features = weight.size(0);
  Tensor x_rows =
      needs_gradient(weight) ? ops::reshape(x_lowered, {rows, weight.size(1)}).detach() : Tensor();
  Tensor saved_weight = needs_gradient(x) ? weight_lowered.detach() : Tensor();
  return record("linear", y, {x, weight, bias},
                [x_rows, saved_weight, x_shape, rows, out_features, precision, result_dtype](
                    const Tensor& grad, const GradientMask& needs) {
                  Tensor grad_rows = ops::reshape(grad, {rows, out_features});
                  Tensor grad_lowered = lowered_operand(grad_rows, precision);
                  Gradients gradients(3);
                  if (needs[0])
                    gradients[0] = ops::reshape(
                        ops::matmul(grad_lowered, saved_weight, result_dtype), x_shape);
                  if (needs[1])
                    gradients[1] = ops::matmul(transposed(grad_lowered), x_rows, result_dtype);
                  if (needs[2]) gradients[2] = ops::sum(grad_rows, {0});
                  return gradients;
                });
}

}  // namespace hg
