// Fused optimizer update: the whole rule of cuda/optimizer_math.h in one pass over a parameter,
// instead of the five or six elementwise kernels (and temporaries) it would take as raw ops.
// Thread mapping: grid-stride loop, one parameter element per iteration.
#include "cuda/check.h"
#include "cuda/grid_stride.h"
#include "cuda/optimizer_step.h"

namespace hg::cuda {

template <typename T>
__global__ void optimizer_step_kernel(OptimizerRule rule, OptimizerHyperparameters h,
                                      T bias_correction1, T bias_correction2, T* parameter,
                                      const T* gradient, T* first, T* second, int64_t count) {
  HG_GRID_STRIDE_LOOP(i, count)
  optimizer_update(rule, h, bias_correction1, bias_correction2, parameter[i], gradient[i], first[i],
                   second[i]);
}

template <typename T>
void optimizer_step(OptimizerRule rule, const OptimizerHyperparameters& h, T bias_correction1,
                    T bias_correction2, T* parameter, const T* gradient, T* first, T* second,
                    int64_t count, cudaStream_t stream) {
  if (count == 0) return;
  optimizer_step_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(
      rule, h, bias_correction1, bias_correction2, parameter, gradient, first, second, count);
  CUDA_CHECK_LAUNCH();
}

template void optimizer_step<float>(OptimizerRule, const OptimizerHyperparameters&, float, float,
                                    float*, const float*, float*, float*, int64_t, cudaStream_t);
template void optimizer_step<double>(OptimizerRule, const OptimizerHyperparameters&, double, double,
                                     double*, const double*, double*, double*, int64_t,
                                     cudaStream_t);

}  // namespace hg::cuda
