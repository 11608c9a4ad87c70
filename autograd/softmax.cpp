// Softmax backward needs only the output y:
//   softmax:     ∂L/∂x = y ⊙ (g − Σ_dim g ⊙ y)
//   log-softmax: ∂L/∂x = g − e^y ⊙ Σ_dim g
// Cross-entropy is a composition (log-softmax, gather, mean), so its gradient
// (softmax − one_hot(targets)) / N comes out of the pieces' backwards.
#include "autograd/softmax.h"

#include "autograd/elementwise.h"
#include "autograd/indexing.h"
#include "autograd/node.h"
#include "autograd/reduce.h"
#include "tensor/indexing.h"
#include "tensor/softmax.h"
#include "tensor/views.h"

namespace hg {

Tensor softmax(const Tensor& x, int64_t dim) {
  Tensor y = ops::softmax(x, dim);
  return record("softmax", y, {x}, [y = y.detach(), dim](const Tensor& grad, const GradientMask&) {
    return std::vector<Tensor>{ops::softmax_backward(grad, y, dim)};
  });
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  Tensor y = ops::log_softmax(x, dim);
  return record("log_softmax", y, {x},
                [y = y.detach(), dim](const Tensor& grad, const GradientMask&) {
                  return std::vector<Tensor>{ops::log_softmax_backward(grad, y, dim)};
                });
}

Tensor cross_entropy(const Tensor& logits, const Tensor& targets) {
  check_defined(logits, "cross_entropy");
  check_defined(targets, "cross_entropy");
  HG_CHECK(logits.dim() == 2, "cross_entropy: logits must be [N, C], got ", logits.description());
  HG_CHECK(targets.dim() == 1 && targets.shape()[0] == logits.shape()[0], "cross_entropy: targets ",
           targets.description(), " must be [N] for logits ", logits.description());
  HG_CHECK(logits.shape()[0] > 0, "cross_entropy: the batch ", logits.description(), " is empty");
  ops::check_index_range(
      targets, logits.shape()[1], "cross_entropy",
      detail::concat("the ", logits.shape()[1], " classes of logits ", logits.description()));
  Tensor picked = gather(log_softmax(logits, 1), 1, ops::unsqueeze(targets, 1));
  return neg(mean(picked));
}

}  // namespace hg
