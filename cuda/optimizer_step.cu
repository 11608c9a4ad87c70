// Fused optimizer update: the whole rule of cuda/optimizer_math.h in one pass over a parameter,
// instead of the five or six elementwise kernels (and temporaries) it would take as raw ops.
// Thread mapping: grid-stride loop, one parameter element per iteration; every thread reads the
// step's values (learning rate, step, bias corrections) from device memory first.
#include "cuda/check.h"
#include "cuda/grid_stride.h"
#include "cuda/optimizer_step.h"

namespace hg::cuda {

template <typename T>
__global__ void optimizer_step_kernel(OptimizerRule rule, OptimizerHyperparameters h,
                                      const double* step_values, T* parameter, const T* gradient,
                                      T* first, T* second, int64_t count) {
  const OptimizerHyperparameters current = at_step(h, step_values);
  const T correction1 = T(step_values[kCorrection1Value]);
  const T correction2 = T(step_values[kCorrection2Value]);
  HG_GRID_STRIDE_LOOP(i, count)
  optimizer_update(rule, current, correction1, correction2, parameter[i], gradient[i], first[i],
                   second[i]);
}

template <typename T>
void optimizer_step(OptimizerRule rule, const OptimizerHyperparameters& h,
                    const double* step_values, T* parameter, const T* gradient, T* first, T* second,
                    int64_t count, cudaStream_t stream) {
  if (count == 0) return;
  optimizer_step_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(
      rule, h, step_values, parameter, gradient, first, second, count);
  CUDA_CHECK_LAUNCH();
}

template void optimizer_step<float>(OptimizerRule, const OptimizerHyperparameters&, const double*,
                                    float*, const float*, float*, float*, int64_t, cudaStream_t);
template void optimizer_step<double>(OptimizerRule, const OptimizerHyperparameters&, const double*,
                                     double*, const double*, double*, double*, int64_t,
                                     cudaStream_t);

}  // namespace hg::cuda
