// cuda/normalization.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/normalization.h"

#include "cuda/convert.h"
#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

template <typename T>
void normalization_forward(const T*, const T*, const T*, NormalizationLayout, double, bool, T*, T*,
                           T*, Stream) {
  built_without_cuda("cuda::normalization_forward");
}
template <typename T>
void normalization_backward(const T*, const T*, const T*, const T*, const T*, NormalizationLayout,
                            double, bool, T*, T*, T*, Stream) {
  built_without_cuda("cuda::normalization_backward");
}

#define HG_INSTANTIATE(T)                                                                   \
  template void normalization_forward<T>(const T*, const T*, const T*, NormalizationLayout, \
                                         double, bool, T*, T*, T*, Stream);                 \
  template void normalization_backward<T>(const T*, const T*, const T*, const T*, const T*, \
                                          NormalizationLayout, double, bool, T*, T*, T*, Stream);
HG_FOR_EACH_TYPE(HG_INSTANTIATE)

}  // namespace hg::cuda
