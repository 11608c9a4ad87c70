// Raw fused optimizer update: parameter, first and second state updated in place from the
// gradient by one of the rules of cuda/optimizer_math.h.
#pragma once

#include "cuda/optimizer_math.h"
#include "tensor/tensor.h"

namespace hg::ops {

// The values of `hyperparameters`' step that the update reads from memory (f64
// [kOptimizerStepValues] on `device`; cuda/optimizer_step.h).
Tensor optimizer_step_values(const OptimizerHyperparameters& hyperparameters, Device device);

// All four tensors contiguous, same shape, dtype and device. `first`/`second` are the
// optimizer's state (momentum buffer; Adam's m and v; RMSprop's v), zero-initialised. The
// learning rate and step come from `step_values` (optimizer_step_values, on the same device),
// which a GPU update reads when it runs: a CUDA graph that captured it replays with the values
// written there before each replay.
void optimizer_step_(OptimizerRule rule, const OptimizerHyperparameters& hyperparameters,
                     const Tensor& step_values, const Tensor& parameter, const Tensor& gradient,
                     const Tensor& first, const Tensor& second);
// The same with the step values of `hyperparameters` itself.
void optimizer_step_(OptimizerRule rule, const OptimizerHyperparameters& hyperparameters,
                     const Tensor& parameter, const Tensor& gradient, const Tensor& first,
                     const Tensor& second);

}  // namespace hg::ops
