// DPN's polarization loss (see polarization_loss.h): a composition of differentiable ops.
#include "hashing/losses/polarization_loss.h"

#include "autograd/elementwise.h"
#include "autograd/reduce.h"
#include "hashing/losses/argument_checks.h"

namespace hg::hashing {

Tensor polarization_loss(const Tensor& codes, const Tensor& targets, double margin) {
  detail::check_codes(codes, "polarization_loss");
  detail::check_matrix(targets, "targets", codes.size(0), codes.size(1), codes,
                       "polarization_loss");
  return mean(relu(margin - codes * targets));
}

}  // namespace hg::hashing
