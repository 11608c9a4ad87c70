// DHIH's scaled-cosine margin softmax (see cosine_margin_loss.h): a composition of
// differentiable ops.
#include "hashing/losses/cosine_margin_loss.h"

#include <limits>

#include "autograd/elementwise.h"
#include "autograd/matmul.h"
#include "autograd/reduce.h"
#include "autograd/softmax.h"
#include "autograd/views.h"
#include "hashing/losses/argument_checks.h"
#include "hashing/losses/classification_loss.h"
#include "tensor/reduce.h"

namespace hg::hashing {

namespace {

// Rows scaled to unit length: x / max(‖x‖, 1e-12).
Tensor normalize_rows(const Tensor& x) {
  Tensor norm = sqrt(sum(square(x), {1}, true));
  return x / clamp(norm, 1e-12, std::numeric_limits<double>::infinity());
}

}  // namespace

Tensor cosine_similarity_matrix(const Tensor& a, const Tensor& b) {
  return matmul(normalize_rows(a), transpose(normalize_rows(b), 0, 1));
}

Tensor cosine_margin_loss(const Tensor& codes, const Tensor& labels, const Tensor& class_codes,
                          double scale, double margin, bool multi_label) {
  detail::check_codes(codes, "cosine_margin_loss");
  detail::check_matrix(class_codes, "class codes", -1, codes.size(1), codes, "cosine_margin_loss");
  detail::check_matrix(labels, "labels", codes.size(0), class_codes.size(0), codes,
                       "cosine_margin_loss");
  Tensor logits = scale * (cosine_similarity_matrix(codes, class_codes) - margin * labels);
  if (multi_label) return binary_cross_entropy_with_logits(logits, labels);
  for (double row_sum : ops::sum(labels, {1}).to(DType::f64).to_vector<double>())
    HG_CHECK(row_sum == 1, "cosine_margin_loss: single-label mode needs one-hot label rows, but ",
             "a row of labels ", labels.description(), " sums to ", row_sum,
             "; pass multi_label = true for multi-hot labels");
  return cross_entropy(logits, ops::argmax(labels, 1));
}

}  // namespace hg::hashing
