// cuda/reduce.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/reduce.h"

#include "cuda/convert.h"
#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

template <typename T>
void reduce_middle(ReduceOp, const T*, int64_t, int64_t, int64_t, T*, int64_t*, Stream) {
  built_without_cuda("cuda::reduce_middle");
}

#define HG_INSTANTIATE(T)                                                                     \
  template void reduce_middle<T>(ReduceOp, const T*, int64_t, int64_t, int64_t, T*, int64_t*, \
                                 Stream);
HG_FOR_EACH_TYPE(HG_INSTANTIATE)

}  // namespace hg::cuda
