// CPU reference of the fused optimizer update. CUDA twin: cuda/optimizer_step.cu.
#pragma once

#include <cstdint>

#include "cuda/optimizer_math.h"

namespace hg::cpu {

template <typename T>
void optimizer_step(OptimizerRule rule, const OptimizerHyperparameters& h, T bias_correction1,
                    T bias_correction2, T* parameter, const T* gradient, T* first, T* second,
                    int64_t count) {
#pragma omp parallel for if (count > 32768)
  for (int64_t i = 0; i < count; ++i)
    optimizer_update(rule, h, bias_correction1, bias_correction2, parameter[i], gradient[i],
                     first[i], second[i]);
}

}  // namespace hg::cpu
