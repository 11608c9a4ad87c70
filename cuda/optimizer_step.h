// Fused optimizer update on the GPU (stubs that throw in a CPU-only build: cuda/without_cuda/). CPU
// twin: tensor/cpu/optimizer_step.h.
#pragma once

#include <cstdint>

#include "cuda/optimizer_math.h"
#include "cuda/stream.h"

namespace hg {

// What changes from one step to the next, as the update reads it from memory (device memory on
// the GPU, so that a step captured as a CUDA graph replays with each step's own values):
// values[kLearningRateValue] = lr, values[kStepValue] = t, values[kCorrection1Value] = 1 − β1^t,
// values[kCorrection2Value] = 1 − β2^t, all f64.
enum OptimizerStepValue : int {
  kLearningRateValue,
  kStepValue,
  kCorrection1Value,
  kCorrection2Value,
  kOptimizerStepValues
};

// `h` with the learning rate and step of `values`.
HG_HOST_DEVICE OptimizerHyperparameters at_step(OptimizerHyperparameters h, const double* values) {
  h.learning_rate = values[kLearningRateValue];
  h.step = static_cast<long>(values[kStepValue]);
  return h;
}

}  // namespace hg

namespace hg::cuda {

// `step_values`: the kOptimizerStepValues doubles above, in device memory,
// read when the kernel runs; `h` gives the rest.
template <typename T>
void optimizer_step(OptimizerRule rule, const OptimizerHyperparameters& h,
                    const double* step_values, T* parameter, const T* gradient, T* first, T* second,
                    int64_t count, Stream stream);

}  // namespace hg::cuda
