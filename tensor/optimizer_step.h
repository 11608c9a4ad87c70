// Raw fused optimizer update: parameter, first and second state updated in place from the
// gradient by one of the rules of cuda/optimizer_math.h.
#pragma once

#include "cuda/optimizer_math.h"
#include "tensor/tensor.h"

namespace hg::ops {

// All four tensors contiguous, same shape, dtype and device. `first`/`second` are the
// optimizer's state (momentum buffer; Adam's m and v; RMSprop's v), zero-initialised.
void optimizer_step_(OptimizerRule rule, const OptimizerHyperparameters& hyperparameters,
                     const Tensor& parameter, const Tensor& gradient, const Tensor& first,
                     const Tensor& second);

}  // namespace hg::ops
