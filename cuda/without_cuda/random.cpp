// cuda/random.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/random.h"

#include "cuda/convert.h"
#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

template <typename T>
void random_fill(Distribution, T, T, T*, int64_t, DrawStart, Stream) {
  built_without_cuda("cuda::random_fill");
}
template <typename T>
void bernoulli(const T*, StridedIndex, T*, int64_t, DrawStart, Stream) {
  built_without_cuda("cuda::bernoulli");
}
void randperm(int64_t*, int64_t, DrawStart, Stream) { built_without_cuda("cuda::randperm"); }

#define HG_INSTANTIATE(T)                                                           \
  template void random_fill<T>(Distribution, T, T, T*, int64_t, DrawStart, Stream); \
  template void bernoulli<T>(const T*, StridedIndex, T*, int64_t, DrawStart, Stream);
HG_FOR_EACH_FLOATING(HG_INSTANTIATE)

}  // namespace hg::cuda
