// BatchNorm modules: parameters and buffers as torch initialises them (γ = 1, β = 0,
// running mean 0, running variance 1), and the forward that picks training or evaluation.
#include "layers/batch_norm.h"

#include "autograd/normalization.h"
#include "tensor/elementwise.h"

namespace hg {

BatchNorm::BatchNorm(const char* name, int64_t min_dim, int64_t max_dim, const char* expected_shape,
                     int64_t num_features, double epsilon, double momentum, bool affine)
    : name_(name),
      expected_shape_(expected_shape),
      min_dim_(min_dim),
      max_dim_(max_dim),
      num_features_(num_features),
      epsilon_(epsilon),
      momentum_(momentum) {
  HG_CHECK(num_features > 0, name, ": num_features must be positive, got ", num_features);
  if (affine) {
    weight_ = register_parameter("weight", Tensor::ones({num_features}));
    bias_ = register_parameter("bias", Tensor::zeros({num_features}));
  }
  running_mean_ = register_buffer("running_mean", Tensor::zeros({num_features}));
  running_var_ = register_buffer("running_var", Tensor::ones({num_features}));
  num_batches_tracked_ = register_buffer("num_batches_tracked", Tensor::zeros({}, DType::i64));
}

Tensor BatchNorm::forward(const Tensor& input) {
  check_defined(input, name_);
  HG_CHECK(input.dim() >= min_dim_ && input.dim() <= max_dim_, name_, ": expected an input ",
           expected_shape_, ", got ", input.description());
  HG_CHECK(input.shape()[1] == num_features_, name_, ": input ", input.description(), " has ",
           input.shape()[1], " channels, the layer was made for ", num_features_);
  Tensor output = batch_norm(input, running_mean_, running_var_, weight_, bias_, is_training(),
                             momentum_, epsilon_);
  if (is_training())
    ops::add_(num_batches_tracked_, Tensor::ones({}, DType::i64, num_batches_tracked_.device()));
  return output;
}

}  // namespace hg
