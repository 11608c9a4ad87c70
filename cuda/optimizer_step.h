// Fused optimizer update on the GPU (stubs that throw in a CPU-only build: cuda/without_cuda/). CPU
// twin: tensor/cpu/optimizer_step.h.
#pragma once

#include <cstdint>

#include "cuda/optimizer_math.h"
#include "cuda/stream.h"

namespace hg::cuda {

template <typename T>
void optimizer_step(OptimizerRule rule, const OptimizerHyperparameters& h, T bias_correction1,
                    T bias_correction2, T* parameter, const T* gradient, T* first, T* second,
                    int64_t count, Stream stream);

}  // namespace hg::cuda
