// cuda/pooling.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/pooling.h"

#include "cuda/convert.h"
#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

template <typename T>
void pool2d(PoolMode, const T*, T*, PoolShape, PoolWindow, Stream) {
  built_without_cuda("cuda::pool2d");
}
template <typename T>
void pool2d_backward(PoolMode, const T*, const T*, const T*, T*, PoolShape, PoolWindow, Stream) {
  built_without_cuda("cuda::pool2d_backward");
}
template <typename T>
void adaptive_avg_pool2d(const T*, T*, PoolShape, Stream) {
  built_without_cuda("cuda::adaptive_avg_pool2d");
}
template <typename T>
void adaptive_avg_pool2d_backward(const T*, T*, PoolShape, Stream) {
  built_without_cuda("cuda::adaptive_avg_pool2d_backward");
}

#define HG_INSTANTIATE(T)                                                                 \
  template void pool2d<T>(PoolMode, const T*, T*, PoolShape, PoolWindow, Stream);         \
  template void pool2d_backward<T>(PoolMode, const T*, const T*, const T*, T*, PoolShape, \
                                   PoolWindow, Stream);                                   \
  template void adaptive_avg_pool2d<T>(const T*, T*, PoolShape, Stream);                  \
  template void adaptive_avg_pool2d_backward<T>(const T*, T*, PoolShape, Stream);
HG_FOR_EACH_TYPE(HG_INSTANTIATE)

}  // namespace hg::cuda
