// Dispatch of the fused optimizer update to tensor/cpu/optimizer_step.h or
// cuda/optimizer_step.cu.
#include "tensor/optimizer_step.h"

#include <cmath>

#include "core/profiler.h"
#include "cuda/optimizer_step.h"
#include "tensor/cpu/optimizer_step.h"

namespace hg::ops {

void optimizer_step_(OptimizerRule rule, const OptimizerHyperparameters& h, const Tensor& parameter,
                     const Tensor& gradient, const Tensor& first, const Tensor& second) {
  for (const Tensor* tensor : {&gradient, &first, &second}) {
    check_same_device_and_dtype(parameter, *tensor, "optimizer_step");
    HG_CHECK(tensor->shape() == parameter.shape() && tensor->is_contiguous(),
             "optimizer_step: ", tensor->description(), " does not match parameter ",
             parameter.description());
  }
  HG_CHECK(parameter.is_contiguous(), "optimizer_step: parameter ", parameter.description(),
           " must be contiguous");
  profiler::Scope scope("optimizer_step", parameter.is_cuda());
  double correction1 = 1 - std::pow(h.beta1, static_cast<double>(h.step));
  double correction2 = 1 - std::pow(h.beta2, static_cast<double>(h.step));
  dispatch_floating(parameter.dtype(), "optimizer_step", [&](auto zero) {
    using T = decltype(zero);
    if (parameter.is_cuda()) {
      cuda::optimizer_step<T>(rule, h, T(correction1), T(correction2), parameter.data<T>(),
                              gradient.data<T>(), first.data<T>(), second.data<T>(),
                              parameter.numel(), cuda::current_stream());
    } else {
      cpu::optimizer_step<T>(rule, h, T(correction1), T(correction2), parameter.data<T>(),
                             gradient.data<T>(), first.data<T>(), second.data<T>(),
                             parameter.numel());
    }
  });
}

}  // namespace hg::ops
