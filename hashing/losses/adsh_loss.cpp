// ADSH's asymmetric loss (see adsh_loss.h): a composition of differentiable ops.
#include "hashing/losses/adsh_loss.h"

#include "autograd/elementwise.h"
#include "autograd/indexing.h"
#include "autograd/matmul.h"
#include "autograd/reduce.h"
#include "autograd/views.h"
#include "hashing/losses/argument_checks.h"

namespace hg::hashing {

Tensor adsh_loss(const Tensor& codes, const Tensor& database_codes, const Tensor& similarity,
                 const Tensor& indices, double gamma) {
  detail::check_codes(codes, "adsh_loss");
  int64_t batch = codes.size(0), bits = codes.size(1);
  detail::check_matrix(database_codes, "database codes V", -1, bits, codes, "adsh_loss");
  int64_t database = database_codes.size(0);
  detail::check_matrix(similarity, "similarity S", batch, database, codes, "adsh_loss");
  check_defined(indices, "adsh_loss");
  HG_CHECK(indices.dtype() == DType::i64 && indices.dim() == 1 && indices.size(0) == batch,
           "adsh_loss: indices ", indices.description(), " must be i64 [", batch,
           "], the rows of the batch in V");
  Tensor fit = matmul(codes, transpose(database_codes, 0, 1)) - similarity * double(bits);
  Tensor tie = index_select(database_codes, 0, indices) - codes;
  return (sum(square(fit)) + gamma * sum(square(tie))) / double(database * batch);
}

}  // namespace hg::hashing
