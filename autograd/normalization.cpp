// BatchNorm / LayerNorm: the fused forward, the fused backward beside it, and BatchNorm's
// running-statistics update (not part of the graph: it runs under NoGradGuard).
#include "autograd/normalization.h"

#include "autograd/node.h"
#include "tensor/copy.h"
#include "tensor/elementwise.h"
#include "tensor/normalization.h"
#include "tensor/views.h"

namespace hg {

namespace {

Tensor detached(const Tensor& tensor) { return tensor.defined() ? tensor.detach() : Tensor(); }

// Runs the forward and records its backward; returns the forward with the statistics it used.
// Given statistics (mean, var defined) are constants of the graph; otherwise the backward
// differentiates through the batch's own mean and variance.
ops::NormalizationForward normalize(const char* name, const Tensor& x,
                                    const NormalizationLayout& layout, const Tensor& weight,
                                    const Tensor& bias, double epsilon, const Tensor& given_mean,
                                    const Tensor& given_var) {
  ops::NormalizationForward forward =
      ops::normalization_forward(x, layout, weight, bias, epsilon, given_mean, given_var);
  const bool batch_statistics = !given_mean.defined();
  // The raw op's parameter gradients are flat; LayerNorm's parameters may have several dims.
  const Shape weight_shape = weight.defined() ? weight.shape() : Shape{};
  const Shape bias_shape = bias.defined() ? bias.shape() : Shape{};
  forward.output = record(
      name, forward.output, {x, weight, bias},
      [x = x.detach(), weight = detached(weight), mean = forward.mean, var = forward.var, layout,
       epsilon, batch_statistics, weight_shape,
       bias_shape](const Tensor& grad, const GradientMask& needs) {
        ops::NormalizationGradients gradients = ops::normalization_backward(
            grad, x, layout, weight, mean, var, epsilon, batch_statistics, needs[1], needs[2]);
        return std::vector<Tensor>{
            gradients.input, needs[1] ? ops::reshape(gradients.weight, weight_shape) : Tensor(),
            needs[2] ? ops::reshape(gradients.bias, bias_shape) : Tensor()};
      });
  return forward;
}

void check_running_statistic(const Tensor& running, const Tensor& x, int64_t channels,
                             const char* what) {
  if (!running.defined()) return;
  check_same_device_and_dtype(running, x, "batch_norm");
  HG_CHECK(running.numel() == channels && running.is_contiguous(), "batch_norm: ", what, " ",
           running.description(), " must be a contiguous tensor of ", channels,
           " elements for input ", x.description());
}

// running ← (1 − momentum)·running + momentum·batch_value, in place.
void blend_into(const Tensor& running, const Tensor& batch_value, double momentum) {
  ops::copy_(running,
             ops::add(ops::mul_scalar(running, 1 - momentum),
                      ops::mul_scalar(ops::reshape(batch_value, running.shape()), momentum)));
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double epsilon) {
  NormalizationLayout layout = ops::batch_norm_layout(x);
  check_running_statistic(running_mean, x, layout.groups, "running_mean");
  check_running_statistic(running_var, x, layout.groups, "running_var");
  HG_CHECK(running_mean.defined() == running_var.defined(),
           "batch_norm: give both running_mean and running_var, or neither");
  if (!training) {
    HG_CHECK(running_mean.defined(), "batch_norm: evaluation mode needs the running statistics");
    // Copies: the graph must keep the values this forward used, whatever later updates do.
    return normalize("batch_norm", x, layout, weight, bias, epsilon, running_mean.clone(),
                     running_var.clone())
        .output;
  }
  const int64_t count = layout.outer * layout.inner;
  HG_CHECK(count > 1, "batch_norm: training needs more than one value per channel, got input ",
           x.description());
  ops::NormalizationForward forward =
      normalize("batch_norm", x, layout, weight, bias, epsilon, Tensor(), Tensor());
  if (running_mean.defined())
    update_running_statistics(running_mean, running_var, forward.mean, forward.var,
                              static_cast<double>(count), momentum);
  return forward.output;
}

void update_running_statistics(const Tensor& running_mean, const Tensor& running_var,
                               const Tensor& mean, const Tensor& var, double count,
                               double momentum) {
  NoGradGuard no_grad;
  blend_into(running_mean, mean, momentum);
  blend_into(running_var, ops::mul_scalar(var, count / (count - 1)), momentum);
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double epsilon) {
  NormalizationLayout layout = ops::layer_norm_layout(x, normalized_shape);
  return normalize("layer_norm", x, layout, weight, bias, epsilon, Tensor(), Tensor()).output;
}

}  // namespace hg
