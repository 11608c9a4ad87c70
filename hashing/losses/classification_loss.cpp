// Binary cross-entropies (see classification_loss.h): compositions of differentiable ops.
#include "hashing/losses/classification_loss.h"

#include "autograd/elementwise.h"
#include "autograd/reduce.h"

namespace hg::hashing {

namespace {

void check_pair(const Tensor& input, const Tensor& targets, const char* loss) {
  check_same_device_and_dtype(input, targets, loss);
  HG_CHECK(is_floating(input.dtype()) && input.shape() == targets.shape() && input.numel() > 0,
           loss, ": input ", input.description(), " and targets ", targets.description(),
           " must be non-empty floating tensors of one shape");
}

}  // namespace

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets) {
  check_pair(logits, targets, "binary_cross_entropy_with_logits");
  return mean(relu(logits) - logits * targets + log(1.0 + exp(-abs(logits))));
}

Tensor binary_cross_entropy(const Tensor& probabilities, const Tensor& targets) {
  check_pair(probabilities, targets, "binary_cross_entropy");
  constexpr double floor = 1e-12;
  Tensor log_p = log(clamp(probabilities, floor, 1));
  Tensor log_not_p = log(clamp(1.0 - probabilities, floor, 1));
  return -mean(targets * log_p + (1.0 - targets) * log_not_p);
}

}  // namespace hg::hashing
