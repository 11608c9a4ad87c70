// cuda/indexing.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/indexing.h"

#include "cuda/convert.h"
#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

template <typename T>
void gather(const T*, IndexedAccess, const int64_t*, T*, int64_t, Stream) {
  built_without_cuda("cuda::gather");
}
template <typename T>
void scatter_add(T*, IndexedAccess, const int64_t*, const T*, StridedIndex, int64_t, int64_t,
                 int64_t, bool, Stream) {
  built_without_cuda("cuda::scatter_add");
}
template <typename T>
void where(const uint8_t*, StridedIndex, const T*, StridedIndex, const T*, StridedIndex, T*,
           int64_t, Stream) {
  built_without_cuda("cuda::where");
}

#define HG_INSTANTIATE(T)                                                                          \
  template void gather<T>(const T*, IndexedAccess, const int64_t*, T*, int64_t, Stream);           \
  template void scatter_add<T>(T*, IndexedAccess, const int64_t*, const T*, StridedIndex, int64_t, \
                               int64_t, int64_t, bool, Stream);                                    \
  template void where<T>(const uint8_t*, StridedIndex, const T*, StridedIndex, const T*,           \
                         StridedIndex, T*, int64_t, Stream);
HG_FOR_EACH_TYPE(HG_INSTANTIATE)

}  // namespace hg::cuda
