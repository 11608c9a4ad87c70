// cuda/copy.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/copy.h"

#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

template <typename Source, typename Destination>
void copy_cast(const Source*, StridedIndex, Destination*, StridedIndex, int64_t, Stream) {
  built_without_cuda("cuda::copy_cast");
}
template <typename T>
void fill(T*, T, int64_t, Stream) {
  built_without_cuda("cuda::fill");
}

HG_INSTANTIATE_COPY_AND_FILL()

}  // namespace hg::cuda
