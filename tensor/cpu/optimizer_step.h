// CPU reference of the fused optimizer update. CUDA twin: cuda/optimizer_step.cu.
//
// The loop is shaped for the vectoriser: the rule is a compile-time constant and the
// hyperparameters a local copy (no store through a parameter pointer can change them), so the
// per-step constants leave the loop and the rest becomes vector code (-fno-math-errno lets
// std::sqrt be one instruction). Subnormals are flushed (tensor/cpu/denormals.h): optimizer state
// is where they collect.
#pragma once

#include <cstdint>

#include "cuda/optimizer_math.h"
#include "tensor/cpu/denormals.h"
#include "tensor/cpu/elementwise.h"

namespace hg::cpu {

template <typename T>
void optimizer_step(OptimizerRule rule, const OptimizerHyperparameters& h, T bias_correction1,
                    T bias_correction2, T* parameter, const T* gradient, T* first, T* second,
                    int64_t count) {
  const OptimizerHyperparameters local = h;
  with_op<OptimizerRule, OptimizerRule::sgd, OptimizerRule::rmsprop>(rule, [&](auto rule_constant) {
#pragma omp parallel if (count > 32768)
    {
      const FlushDenormals flush;
#pragma omp for
      for (int64_t i = 0; i < count; ++i)
        optimizer_update(rule_constant.value, local, bias_correction1, bias_correction2,
                         parameter[i], gradient[i], first[i], second[i]);
    }
  });
}

}  // namespace hg::cpu
