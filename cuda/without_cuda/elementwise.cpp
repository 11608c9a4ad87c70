// cuda/elementwise.h in a CPU-only build (see built_without_cuda.h). Stubs are instantiated for
// every dtype, a superset of what elementwise.cu builds.
#include "cuda/elementwise.h"

#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

template <typename T>
void unary(UnaryOp, const T*, StridedIndex, T*, int64_t, T, T, Stream) {
  built_without_cuda("cuda::unary");
}
template <typename T>
void unary_backward(UnaryOp, const T*, const T*, StridedIndex, const T*, T*, int64_t, T, T,
                    Stream) {
  built_without_cuda("cuda::unary_backward");
}
template <typename T>
void binary(BinaryOp, const T*, StridedIndex, const T*, StridedIndex, T*, int64_t, Stream) {
  built_without_cuda("cuda::binary");
}
template <typename T>
void binary_backward(BinaryOp, bool, const T*, const T*, StridedIndex, const T*, StridedIndex, T*,
                     int64_t, Stream) {
  built_without_cuda("cuda::binary_backward");
}

#define HG_INSTANTIATE(T)                                                                        \
  template void unary<T>(UnaryOp, const T*, StridedIndex, T*, int64_t, T, T, Stream);            \
  template void unary_backward<T>(UnaryOp, const T*, const T*, StridedIndex, const T*, T*,       \
                                  int64_t, T, T, Stream);                                        \
  template void binary<T>(BinaryOp, const T*, StridedIndex, const T*, StridedIndex, T*, int64_t, \
                          Stream);                                                               \
  template void binary_backward<T>(BinaryOp, bool, const T*, const T*, StridedIndex, const T*,   \
                                   StridedIndex, T*, int64_t, Stream);
HG_FOR_EACH_TYPE(HG_INSTANTIATE)

}  // namespace hg::cuda
