// Label similarity: S = 1[Y_a Y_bᵀ > 0], one matrix product over the label dim.
#include "hashing/similarity.h"

#include "tensor/ops.h"

namespace hg::hashing {

Tensor similarity(const Tensor& labels_a, const Tensor& labels_b) {
  HG_CHECK(labels_a.dim() == 2 && labels_b.dim() == 2 && labels_a.size(1) == labels_b.size(1),
           "similarity: expected label matrices [a, L] and [b, L], got ", labels_a.description(),
           " and ", labels_b.description());
  Tensor shared = ops::matmul(labels_a, ops::transpose(labels_b, 0, 1));
  return ops::binary(BinaryOp::gt, shared, Tensor::scalar(0.5, shared.dtype(), shared.device()));
}

double imbalance_ratio(const Tensor& similarity01) {
  double similar = ops::sum(similarity01).to(DType::f64).item<double>();
  double dissimilar = static_cast<double>(similarity01.numel()) - similar;
  return dissimilar > 0 ? similar / dissimilar : 0.0;
}

Tensor soft_similarity(const Tensor& similarity01, double ratio) {
  // S·(1 + r) − r: 1 stays 1, 0 becomes −r.
  return ops::add_scalar(ops::mul_scalar(similarity01, 1 + ratio), -ratio);
}

Tensor one_hot_labels(const Tensor& class_ids, int64_t num_classes) {
  return ops::one_hot(class_ids, num_classes).to(DType::f32);
}

}  // namespace hg::hashing
