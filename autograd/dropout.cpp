// Dropout: the forward multiplies by a scaled Bernoulli mask, and so does the backward,
//   y = x ⊙ s,  ∂L/∂x = g ⊙ s,  s = m / (1 − p)
// so the node keeps only s. The mask comes from ops::bernoulli, which has its CPU reference
// and CUDA kernel drawing the same Philox numbers.
#include "autograd/dropout.h"

#include "autograd/node.h"
#include "tensor/elementwise.h"
#include "tensor/random.h"

namespace hg {

Tensor dropout(const Tensor& x, double p, bool training) {
  check_defined(x, "dropout");
  HG_CHECK(p >= 0 && p <= 1, "dropout: probability ", p, " is outside [0, 1]");
  if (!training || p == 0) return x;
  Tensor scale = p == 1 ? Tensor::zeros(x.shape(), x.dtype(), x.device())
                        : ops::mul_scalar(ops::bernoulli(x.shape(), 1 - p, x.dtype(), x.device()),
                                          1 / (1 - p));
  return record("dropout", ops::mul(x, scale), {x},
                [scale](const Tensor& grad, const GradientMask&) {
                  return std::vector<Tensor>{ops::mul(grad, scale)};
                });
}

}  // namespace hg
