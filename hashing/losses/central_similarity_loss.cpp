// CSQ's centre loss (see central_similarity_loss.h): a composition of differentiable ops.
#include "hashing/losses/central_similarity_loss.h"

#include "autograd/elementwise.h"
#include "hashing/losses/argument_checks.h"
#include "hashing/losses/classification_loss.h"
#include "hashing/losses/quantization_loss.h"

namespace hg::hashing {

Tensor central_similarity_loss(const Tensor& codes, const Tensor& centres, double lambda) {
  detail::check_codes(codes, "central_similarity_loss");
  detail::check_matrix(centres, "centres", codes.size(0), codes.size(1), codes,
                       "central_similarity_loss");
  Tensor centre_loss = binary_cross_entropy(0.5 * (codes + 1.0), 0.5 * (centres + 1.0));
  return centre_loss + lambda * log_cosh_quantization_loss(codes);
}

}  // namespace hg::hashing
