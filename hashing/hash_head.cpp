// The hash head module and binarisation (see hash_head.h).
#include "hashing/hash_head.h"

#include <cmath>

#include "autograd/elementwise.h"
#include "autograd/matmul.h"
#include "tensor/elementwise.h"
#include "tensor/indexing.h"
#include "tensor/random.h"

namespace hg::hashing {

const char* hash_activation_name(HashActivation activation) {
  switch (activation) {
    case HashActivation::tanh:
      return "tanh";
    case HashActivation::sigmoid:
      return "sigmoid";
  }
  return "?";
}

HashHead::HashHead(int64_t in_features, int64_t bits, HashActivation activation)
    : in_features_(in_features), bits_(bits), activation_(activation) {
  HG_CHECK(in_features > 0 && bits > 0, "HashHead: need in_features > 0 and bits > 0, got ",
           in_features, " and ", bits);
  double bound = 1 / std::sqrt(double(in_features));
  weight_ = register_parameter("weight", ops::uniform({bits, in_features}, -bound, bound));
  bias_ = register_parameter("bias", ops::uniform({bits}, -bound, bound));
}

Tensor HashHead::forward(const Tensor& features) {
  check_defined(features, "HashHead");
  HG_CHECK(features.dim() >= 1 && features.size(-1) == in_features_, "HashHead: features ",
           features.description(), " must end in ", in_features_, " (the head's input size)");
  Tensor logits = linear(features, weight_, bias_);
  return activation_ == HashActivation::tanh ? tanh(logits) : sigmoid(logits);
}

Tensor binarize(const Tensor& relaxed_codes, HashActivation activation) {
  check_defined(relaxed_codes, "binarize");
  HG_CHECK(is_floating(relaxed_codes.dtype()), "binarize: relaxed codes must be floating, got ",
           relaxed_codes.description());
  DType dtype = relaxed_codes.dtype();
  Device device = relaxed_codes.device();
  double threshold = activation == HashActivation::tanh ? 0.0 : 0.5;
  Tensor on = ops::binary(BinaryOp::ge, relaxed_codes, Tensor::scalar(threshold, dtype, device));
  return ops::where(on, Tensor::scalar(1, dtype, device), Tensor::scalar(-1, dtype, device));
}

}  // namespace hg::hashing
