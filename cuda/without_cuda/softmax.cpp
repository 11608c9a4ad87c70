// cuda/softmax.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/softmax.h"

#include "cuda/convert.h"
#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

template <typename T>
void softmax(const T*, T*, int64_t, int64_t, int64_t, bool, Stream) {
  built_without_cuda("cuda::softmax");
}
template <typename T>
void softmax_backward(const T*, const T*, T*, int64_t, int64_t, int64_t, bool, Stream) {
  built_without_cuda("cuda::softmax_backward");
}

#define HG_INSTANTIATE(T)                                                                    \
  template void softmax<T>(const T*, T*, int64_t, int64_t, int64_t, bool, Stream);           \
  template void softmax_backward<T>(const T*, const T*, T*, int64_t, int64_t, int64_t, bool, \
                                    Stream);
HG_FOR_EACH_FLOATING(HG_INSTANTIATE)

}  // namespace hg::cuda
