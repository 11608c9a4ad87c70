// cuda/conv2d.h in a CPU-only build (see built_without_cuda.h): no plans are ever made.
#include "cuda/conv2d.h"

#include "cuda/convert.h"
#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

template <typename T>
void conv2d_forward(const T*, const T*, const T*, T*, const Conv2dShape&, Conv2dLayout, Stream) {
  built_without_cuda("cuda::conv2d_forward");
}
template <typename T>
void conv2d_backward_input(const T*, const T*, T*, const Conv2dShape&, Conv2dLayout, Stream) {
  built_without_cuda("cuda::conv2d_backward_input");
}
template <typename T>
void conv2d_backward_weight(const T*, const T*, T*, const Conv2dShape&, Conv2dLayout, Stream) {
  built_without_cuda("cuda::conv2d_backward_weight");
}
Conv2dPlanStats conv2d_plan_stats() { return Conv2dPlanStats{}; }

#define HG_INSTANTIATE(T)                                                                          \
  template void conv2d_forward<T>(const T*, const T*, const T*, T*, const Conv2dShape&,            \
                                  Conv2dLayout, Stream);                                           \
  template void conv2d_backward_input<T>(const T*, const T*, T*, const Conv2dShape&, Conv2dLayout, \
                                         Stream);                                                  \
  template void conv2d_backward_weight<T>(const T*, const T*, T*, const Conv2dShape&,              \
                                          Conv2dLayout, Stream);
HG_FOR_EACH_TYPE(HG_INSTANTIATE)

}  // namespace hg::cuda
