// cuda/optimizer_step.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/optimizer_step.h"

#include "cuda/convert.h"
#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

template <typename T>
void optimizer_step(OptimizerRule, const OptimizerHyperparameters&, const double*, T*, const T*, T*,
                    T*, int64_t, Stream) {
  built_without_cuda("cuda::optimizer_step");
}

#define HG_INSTANTIATE(T)                                                                        \
  template void optimizer_step<T>(OptimizerRule, const OptimizerHyperparameters&, const double*, \
                                  T*, const T*, T*, T*, int64_t, Stream);
HG_FOR_EACH_FLOATING(HG_INSTANTIATE)

}  // namespace hg::cuda
