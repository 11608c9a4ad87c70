// Fused optimizer update on the GPU (CUDA builds only). CPU twin: tensor/cpu/optimizer_step.h.
#pragma once

#include <cstdint>

#include "cuda/optimizer_math.h"
#include "cuda/stream.h"

namespace hg::cuda {

template <typename T>
void optimizer_step(OptimizerRule rule, const OptimizerHyperparameters& h, T bias_correction1,
                    T bias_correction2, T* parameter, const T* gradient, T* first, T* second,
                    int64_t count, cudaStream_t stream);

}  // namespace hg::cuda
