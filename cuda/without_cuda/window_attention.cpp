// cuda/window_attention.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/window_attention.h"

#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

template <typename T>
void window_attention(const T*, const T*, const T*, const T*, const T*, T*, T*, int64_t, int64_t,
                      int64_t, int64_t, int64_t, Stream) {
  built_without_cuda("cuda::window_attention");
}
template <typename T>
void window_attention_backward(const T*, const T*, const T*, const T*, const T*, T*, T*, T*, T*,
                               int64_t, int64_t, int64_t, int64_t, Stream) {
  built_without_cuda("cuda::window_attention_backward");
}

#define HG_INSTANTIATE(T)                                                                          \
  template void window_attention<T>(const T*, const T*, const T*, const T*, const T*, T*, T*,      \
                                    int64_t, int64_t, int64_t, int64_t, int64_t, Stream);          \
  template void window_attention_backward<T>(const T*, const T*, const T*, const T*, const T*, T*, \
                                             T*, T*, T*, int64_t, int64_t, int64_t, int64_t,       \
                                             Stream);
HG_INSTANTIATE(float)
HG_INSTANTIATE(double)

}  // namespace hg::cuda
