// DPSH's pairwise likelihood (see pairwise_likelihood_loss.h): a composition of differentiable ops.
#include "hashing/losses/pairwise_likelihood_loss.h"

#include "autograd/elementwise.h"
#include "autograd/matmul.h"
#include "autograd/reduce.h"
#include "autograd/views.h"
#include "hashing/losses/argument_checks.h"

namespace hg::hashing {

Tensor pairwise_likelihood_loss(const Tensor& codes, const Tensor& bank, const Tensor& similarity) {
  detail::check_codes(codes, "pairwise_likelihood_loss");
  detail::check_matrix(bank, "bank", -1, codes.size(1), codes, "pairwise_likelihood_loss");
  detail::check_matrix(similarity, "similarity S", codes.size(0), bank.size(0), codes,
                       "pairwise_likelihood_loss");
  Tensor theta = 0.5 * matmul(codes, transpose(bank, 0, 1));
  return mean(log(1.0 + exp(-abs(theta))) + relu(theta) - similarity * theta);
}

Tensor pairwise_likelihood_loss(const Tensor& codes, const Tensor& similarity) {
  return pairwise_likelihood_loss(codes, codes, similarity);
}

}  // namespace hg::hashing
