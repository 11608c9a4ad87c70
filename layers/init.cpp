// Weight initialisers (see init.h).
#include "layers/init.h"

#include <cmath>

#include "autograd/node.h"
#include "tensor/copy.h"
#include "tensor/random.h"

namespace hg::init {

void kaiming_normal_fan_out(const Tensor& weight) {
  check_defined(weight, "init::kaiming_normal_fan_out");
  HG_CHECK(weight.dim() >= 2,
           "init::kaiming_normal_fan_out: expected a weight with at least 2 "
           "dims [out, in, kernel...], got ",
           weight.description());
  const double fan_out = static_cast<double>(weight.numel() / weight.size(1));
  normal(weight, 0.0, std::sqrt(2.0 / fan_out));
}

void normal(const Tensor& tensor, double mean, double std) {
  check_defined(tensor, "init::normal");
  NoGradGuard no_grad;
  ops::copy_(tensor, ops::normal(tensor.shape(), mean, std, tensor.dtype(), tensor.device()));
}

void constant(const Tensor& tensor, double value) {
  check_defined(tensor, "init::constant");
  ops::fill_(tensor, value);
}

}  // namespace hg::init
