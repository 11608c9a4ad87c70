// Quantization and balance terms (see quantization_loss.h): compositions of differentiable ops.
#include "hashing/losses/quantization_loss.h"

#include <cmath>

#include "autograd/elementwise.h"
#include "autograd/reduce.h"
#include "hashing/losses/argument_checks.h"
#include "tensor/elementwise.h"

namespace hg::hashing {

Tensor sign_quantization_loss(const Tensor& codes) {
  detail::check_codes(codes, "sign_quantization_loss");
  return mean(square(ops::sign(codes.detach()) - codes));
}

Tensor cubic_quantization_loss(const Tensor& codes) {
  detail::check_codes(codes, "cubic_quantization_loss");
  return mean(pow(abs(abs(codes) - 1.0), 3.0));
}

Tensor log_cosh_quantization_loss(const Tensor& codes) {
  detail::check_codes(codes, "log_cosh_quantization_loss");
  Tensor distance = abs(abs(codes) - 1.0);
  return mean(distance + log(1.0 + exp(-2.0 * distance))) - std::log(2.0);
}

Tensor bit_balance_loss(const Tensor& codes) {
  detail::check_codes(codes, "bit_balance_loss");
  return mean(square(mean(codes, {1})));
}

}  // namespace hg::hashing
