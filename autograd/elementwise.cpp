// Differentiable elementwise ops. Forward: one raw op. Backward: one fused raw op that
// multiplies the incoming gradient by the derivative of the op's row in the tables of
// cuda/elementwise_math.h, and for binary ops a sum back to each operand's shape, undoing the
// broadcast. Each op is recorded under its row's name.
#include "autograd/elementwise.h"

#include "autograd/node.h"
#include "tensor/elementwise.h"
#include "tensor/reduce.h"

namespace hg {

namespace {

Tensor unary_op(UnaryOp op, const Tensor& x, double alpha = 0, double beta = 0) {
  Tensor y = ops::unary(op, x, alpha, beta);
  return record(
      op_name(op), y, {x},
      [op, x = x.detach(), y = y.detach(), alpha, beta](const Tensor& grad, const GradientMask&) {
        return std::vector<Tensor>{ops::unary_backward(op, grad, x, y, alpha, beta)};
      });
}

Tensor binary_op(BinaryOp op, const Tensor& a, const Tensor& b) {
  Tensor z = ops::binary(op, a, b);
  return record(
      op_name(op), z, {a, b},
      [op, a = a.detach(), b = b.detach()](const Tensor& grad, const GradientMask& needs) {
        std::vector<Tensor> gradients(2);
        for (int side = 0; side < 2; ++side)
          if (needs[side])
            gradients[side] = ops::sum_to(ops::binary_backward(op, grad, a, b, side == 1),
                                          (side == 0 ? a : b).shape());
        return gradients;
      });
}

}  // namespace

Tensor neg(const Tensor& x) { return unary_op(UnaryOp::neg, x); }
Tensor exp(const Tensor& x) { return unary_op(UnaryOp::exp, x); }
Tensor log(const Tensor& x) { return unary_op(UnaryOp::log, x); }
Tensor sqrt(const Tensor& x) { return unary_op(UnaryOp::sqrt, x); }
Tensor abs(const Tensor& x) { return unary_op(UnaryOp::abs, x); }
Tensor tanh(const Tensor& x) { return unary_op(UnaryOp::tanh, x); }
Tensor sigmoid(const Tensor& x) { return unary_op(UnaryOp::sigmoid, x); }
Tensor relu(const Tensor& x) { return unary_op(UnaryOp::relu, x); }
Tensor gelu(const Tensor& x) { return unary_op(UnaryOp::gelu, x); }
Tensor sign(const Tensor& x) { return unary_op(UnaryOp::sign, x); }
Tensor square(const Tensor& x) { return unary_op(UnaryOp::square, x); }
Tensor reciprocal(const Tensor& x) { return unary_op(UnaryOp::reciprocal, x); }
Tensor pow(const Tensor& x, double exponent) { return unary_op(UnaryOp::pow_scalar, x, exponent); }
Tensor clamp(const Tensor& x, double low, double high) {
  HG_CHECK(low <= high, "clamp: low ", low, " is above high ", high);
  return unary_op(UnaryOp::clamp, x, low, high);
}
Tensor add_scalar(const Tensor& x, double value) { return unary_op(UnaryOp::add_scalar, x, value); }
Tensor mul_scalar(const Tensor& x, double value) { return unary_op(UnaryOp::mul_scalar, x, value); }

Tensor add(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::add, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::sub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::mul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::div, a, b); }
Tensor pow(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::pow, a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::minimum, a, b); }

Tensor eq(const Tensor& a, const Tensor& b) { return ops::binary(BinaryOp::eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return ops::binary(BinaryOp::ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return ops::binary(BinaryOp::lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return ops::binary(BinaryOp::le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return ops::binary(BinaryOp::gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return ops::binary(BinaryOp::ge, a, b); }

}  // namespace hg
