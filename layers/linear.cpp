// Linear layer (see linear.h).
#include "layers/linear.h"

#include <cmath>

#include "autograd/matmul.h"
#include "tensor/random.h"

namespace hg {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias) {
  HG_CHECK(in_features > 0 && out_features > 0, "Linear: sizes must be positive, got in ",
           in_features, ", out ", out_features);
  double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
  weight_ = register_parameter("weight", ops::uniform({out_features, in_features}, -bound, bound));
  if (bias) bias_ = register_parameter("bias", ops::uniform({out_features}, -bound, bound));
}

Tensor Linear::forward(const Tensor& input) { return linear(input, weight_, bias_); }

}  // namespace hg
