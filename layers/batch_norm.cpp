// BatchNorm modules: parameters and buffers as torch initialises them (γ = 1, β = 0,
// running mean 0, running variance 1), and the forward that picks training or evaluation.
#include "layers/batch_norm.h"

#include "autograd/elementwise.h"
#include "autograd/node.h"
#include "autograd/normalization.h"
#include "autograd/reduce.h"
#include "autograd/views.h"
#include "distributed/communicator.h"
#include "tensor/copy.h"
#include "tensor/elementwise.h"

namespace hg {

namespace {
thread_local distributed::Communicator* sync_communicator = nullptr;  // BatchNormSyncScope's
}  // namespace

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
  const bool synchronized =
      is_training() && sync_communicator != nullptr && sync_communicator->size() > 1;
  Tensor output = synchronized ? synchronized_forward(input, *sync_communicator)
                               : batch_norm(input, running_mean_, running_var_, weight_, bias_,
                                            is_training(), momentum_, epsilon_);
  if (is_training())
    ops::add_(num_batches_tracked_, Tensor::ones({}, DType::i64, num_batches_tracked_.device()));
  return output;
}

namespace {

// Σ over ranks, differentiable: the gradient of a sum over ranks is, on every rank, the sum over
// ranks of the gradients (each rank's loss depends on every rank's input through the sum).
Tensor all_reduce_sum(const Tensor& x, distributed::Communicator& communicator) {
  Tensor output = x.detach().contiguous().clone();
  communicator.all_reduce_sum(output);
  return record("all_reduce_sum", output, {x},
                [&communicator](const Tensor& grad, const GradientMask&) {
                  Tensor summed = grad.contiguous().clone();
                  communicator.all_reduce_sum(summed);
                  return std::vector<Tensor>{summed};
                });
}

}  // namespace

// mean = Σx / n and var = Σx² / n − mean² over the whole batch (n values per channel on all
// ranks together), then y = (x − mean)·(var + ε)^(−1/2)·γ + β, every step differentiable.
Tensor BatchNorm::synchronized_forward(const Tensor& input,
                                       distributed::Communicator& communicator) {
  std::vector<int64_t> dims;
  Shape channel_shape(static_cast<size_t>(input.dim()), 1);
  channel_shape[1] = num_features_;
  for (int64_t d = 0; d < input.dim(); ++d)
    if (d != 1) dims.push_back(d);
  Tensor count = Tensor::full({1}, static_cast<double>(input.numel() / num_features_), DType::f32,
                              input.device());
  communicator.all_reduce_sum(count);
  const double n = count.to(Device::cpu).item<float>();
  HG_CHECK(n > 1, name_, ": training needs more than one value per channel over all ranks");
  Tensor mean = mul_scalar(all_reduce_sum(sum(input, dims), communicator), 1 / n);
  Tensor var =
      sub(mul_scalar(all_reduce_sum(sum(square(input), dims), communicator), 1 / n), square(mean));
  Tensor output = mul(sub(input, reshape(mean, channel_shape)),
                      reshape(pow(add_scalar(var, epsilon_), -0.5), channel_shape));
  if (weight_.defined())
    output = add(mul(output, reshape(weight_, channel_shape)), reshape(bias_, channel_shape));
  NoGradGuard no_grad;
  ops::copy_(running_mean_, ops::add(ops::mul_scalar(running_mean_, 1 - momentum_),
                                     ops::mul_scalar(mean.detach(), momentum_)));
  ops::copy_(running_var_, ops::add(ops::mul_scalar(running_var_, 1 - momentum_),
                                    ops::mul_scalar(var.detach(), momentum_ * n / (n - 1))));
  return output;
}

BatchNormSyncScope::BatchNormSyncScope(distributed::Communicator* communicator)
    : previous_(sync_communicator) {
  sync_communicator = communicator;
}

BatchNormSyncScope::~BatchNormSyncScope() { sync_communicator = previous_; }

}  // namespace hg
