// Dispatch of the fused optimizer update to tensor/cpu/optimizer_step.h or
// cuda/optimizer_step.cu.
#include "tensor/optimizer_step.h"

#include <cmath>

#include "core/profiler.h"
#include "cuda/optimizer_step.h"
#include "tensor/cpu/optimizer_step.h"

namespace hg::ops {

Tensor optimizer_step_values(const OptimizerHyperparameters& h, Device device) {
  std::vector<double> values(kOptimizerStepValues);
  values[kLearningRateValue] = h.learning_rate;
  values[kStepValue] = static_cast<double>(h.step);
  values[kCorrection1Value] = 1 - std::pow(h.beta1, static_cast<double>(h.step));
  values[kCorrection2Value] = 1 - std::pow(h.beta2, static_cast<double>(h.step));
  return Tensor::from_vector(values, {kOptimizerStepValues}).to(device);
}

void optimizer_step_(OptimizerRule rule, const OptimizerHyperparameters& h,
                     const Tensor& step_values, const Tensor& parameter, const Tensor& gradient,
                     const Tensor& first, const Tensor& second) {
  for (const Tensor* tensor : {&gradient, &first, &second}) {
    check_same_device_and_dtype(parameter, *tensor, "optimizer_step");
    HG_CHECK(tensor->shape() == parameter.shape() && tensor->is_contiguous(),
             "optimizer_step: ", tensor->description(), " does not match parameter ",
             parameter.description());
  }
  HG_CHECK(parameter.is_contiguous(), "optimizer_step: parameter ", parameter.description(),
           " must be contiguous");
  HG_CHECK(step_values.dtype() == DType::f64 && step_values.numel() == kOptimizerStepValues &&
               step_values.is_contiguous() && step_values.device() == parameter.device(),
           "optimizer_step: step values ", step_values.description(), " must be ",
           kOptimizerStepValues, " contiguous f64 on the parameter's device");
  profiler::Scope scope("optimizer_step", parameter.is_cuda());
  dispatch_floating(parameter.dtype(), "optimizer_step", [&](auto zero) {
    using T = decltype(zero);
    const double* values = step_values.data<double>();
    if (parameter.is_cuda()) {
      cuda::optimizer_step<T>(rule, h, values, parameter.data<T>(), gradient.data<T>(),
                              first.data<T>(), second.data<T>(), parameter.numel(),
                              cuda::current_stream());
    } else {
      cpu::optimizer_step<T>(rule, at_step(h, values), T(values[kCorrection1Value]),
                             T(values[kCorrection2Value]), parameter.data<T>(), gradient.data<T>(),
                             first.data<T>(), second.data<T>(), parameter.numel());
    }
  });
}

void optimizer_step_(OptimizerRule rule, const OptimizerHyperparameters& h, const Tensor& parameter,
                     const Tensor& gradient, const Tensor& first, const Tensor& second) {
  optimizer_step_(rule, h, optimizer_step_values(h, parameter.device()), parameter, gradient, first,
                  second);
}

}  // namespace hg::ops
