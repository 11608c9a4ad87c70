// BatchNorm modules: parameters and buffers as torch initialises them (γ = 1, β = 0,
// running mean 0, running variance 1), and the forward that picks training or evaluation.
#include "layers/batch_norm.h"

#include "autograd/node.h"
#include "autograd/normalization.h"
#include "distributed/communicator.h"
#include "tensor/elementwise.h"
#include "tensor/indexing.h"
#include "tensor/normalization.h"

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

std::vector<double> host_values(const Tensor& tensor) {
  return tensor.to(Device::cpu).to(DType::f64).contiguous().to_vector<double>();
}

// A [C] tensor of `values`, in the dtype and on the device of `like`.
Tensor channel_tensor(const std::vector<double>& values, const Tensor& like) {
  return Tensor::from_vector(values, {static_cast<int64_t>(values.size())})
      .to(like.dtype())
      .to(like.device());
}

}  // namespace

// The fused kernels of tensor/normalization.h with the whole batch's statistics: two small
// collectives per layer and step (one forward, one backward), and over the full-size tensors
// one process's passes plus two, a statistics pass over the share and the backward's correction.
// The pooling and the correction's coefficients are a few numbers per channel, worked out on the
// host (the MPI communicator stages every collective through the host anyway).
//
// Forward: each rank's count n_r, mean μ_r and biased variance σ²_r per channel (the kernel's
// two-pass statistics of its share, its output dropped) are all-gathered and pooled in double,
// in rank order, so every rank gets the same numbers:
//   n = Σ n_r,  μ = Σ n_r·μ_r / n,  σ² = Σ n_r·(σ²_r + (μ_r − μ)²) / n
// (no E[x²] − μ² cancellation); then y = γ·(x − μ)/√(σ² + ε) + β by the kernel, μ and σ² given.
// Backward (cuda/normalization.h's formula over the whole batch):
//   dx = γσ⁻¹·dy − γσ⁻¹·(Σdy + x̂·Σdy·x̂)/n
// The kernel with given statistics gives the first term and this rank's Σdy and Σdy·x̂ (its
// dβ and dγ, which the gradient buckets sum like any parameter gradient); their all-reduce gives
// the whole batch's, and the second term is an affine function of x̂ per channel, which the
// forward kernel computes with γ' = −γσ⁻¹·Σdy·x̂/n and β' = −γσ⁻¹·Σdy/n.
Tensor BatchNorm::synchronized_forward(const Tensor& input,
                                       distributed::Communicator& communicator) {
  const NormalizationLayout layout = ops::batch_norm_layout(input);
  const int64_t channels = layout.groups, ranks = communicator.size();
  HG_CHECK(layout.outer * layout.inner > 0, name_, ": synchronised training needs values on ",
           "every rank, got input ", input.description());
  ops::NormalizationForward own =
      ops::normalization_forward(input, layout, Tensor(), Tensor(), epsilon_);
  Tensor sent = ops::stack({Tensor::full({channels}, static_cast<double>(layout.outer * layout.inner),
                                         input.dtype(), input.device()),
                            own.mean, own.var},
                           0);
  Tensor every = Tensor::empty({ranks * 3, channels}, input.dtype(), input.device());
  communicator.all_gather(sent, every);
  const std::vector<double> gathered = host_values(every);  // [rank][count, mean, var][channel]
  auto at = [&](int64_t rank, int64_t row, int64_t channel) {
    return gathered[static_cast<size_t>((rank * 3 + row) * channels + channel)];
  };
  const double n = [&] {
    double total = 0;
    for (int64_t r = 0; r < ranks; ++r) total += at(r, 0, 0);
    return total;
  }();
  HG_CHECK(n > 1, name_, ": training needs more than one value per channel over all ranks");
  std::vector<double> mean(static_cast<size_t>(channels)), var(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    double weighted = 0, squares = 0;
    for (int64_t r = 0; r < ranks; ++r) weighted += at(r, 0, c) * at(r, 1, c);
    mean[c] = weighted / n;
    for (int64_t r = 0; r < ranks; ++r) {
      const double offset = at(r, 1, c) - mean[c];
      squares += at(r, 0, c) * (at(r, 2, c) + offset * offset);
    }
    var[c] = squares / n;
  }
  const Tensor batch_mean = channel_tensor(mean, input), batch_var = channel_tensor(var, input);
  Tensor output =
      ops::normalization_forward(input, layout, weight_, bias_, epsilon_, batch_mean, batch_var)
          .output;
  output = record(
      "synchronized_batch_norm", output, {input, weight_, bias_},
      [x = input.detach(), weight = weight_.defined() ? weight_.detach() : Tensor(), batch_mean,
       batch_var, mean, var, layout, n, epsilon = epsilon_,
       &communicator](const Tensor& grad, const GradientMask& needs) {
        ops::NormalizationGradients share = ops::normalization_backward(
            grad, x, layout, weight, batch_mean, batch_var, epsilon, false, true, true);
        Tensor sums = ops::stack({share.bias, share.weight}, 0).contiguous();  // Σdy, Σdy·x̂
        communicator.all_reduce_sum(sums);
        const std::vector<double> summed = host_values(sums);
        const std::vector<double> gamma =
            weight.defined() ? host_values(weight) : std::vector<double>(mean.size(), 1.0);
        std::vector<double> scale(mean.size()), shift(mean.size());
        for (size_t c = 0; c < mean.size(); ++c) {
          const double factor = -gamma[c] * inverse_std_of(var[c], epsilon) / n;
          scale[c] = factor * summed[mean.size() + c];
          shift[c] = factor * summed[c];
        }
        ops::add_(share.input, ops::normalization_forward(x, layout, channel_tensor(scale, x),
                                                          channel_tensor(shift, x), epsilon,
                                                          batch_mean, batch_var)
                                   .output);
        return std::vector<Tensor>{share.input, needs[1] ? share.weight : Tensor(),
                                   needs[2] ? share.bias : Tensor()};
      });
  update_running_statistics(running_mean_, running_var_, batch_mean, batch_var, n, momentum_);
  return output;
}

BatchNormSyncScope::BatchNormSyncScope(distributed::Communicator* communicator)
    : previous_(sync_communicator) {
  sync_communicator = communicator;
}

BatchNormSyncScope::~BatchNormSyncScope() { sync_communicator = previous_; }

}  // namespace hg
