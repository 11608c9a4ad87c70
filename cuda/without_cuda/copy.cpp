// cuda/copy.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/copy.h"

#include "cuda/convert.h"
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

#define HG_INSTANTIATE_COPY_TO(Destination, Source)                                       \
  template void copy_cast<Source, Destination>(const Source*, StridedIndex, Destination*, \
                                               StridedIndex, int64_t, Stream);
#define HG_INSTANTIATE_COPY_FROM(Source)     \
  HG_INSTANTIATE_COPY_TO(float, Source)      \
  HG_INSTANTIATE_COPY_TO(double, Source)     \
  HG_INSTANTIATE_COPY_TO(::hg::bf16, Source) \
  HG_INSTANTIATE_COPY_TO(int32_t, Source)    \
  HG_INSTANTIATE_COPY_TO(int64_t, Source)    \
  HG_INSTANTIATE_COPY_TO(uint8_t, Source)    \
  HG_INSTANTIATE_COPY_TO(uint64_t, Source)
HG_FOR_EACH_TYPE(HG_INSTANTIATE_COPY_FROM)
#define HG_INSTANTIATE_FILL(T) template void fill<T>(T*, T, int64_t, Stream);
HG_FOR_EACH_TYPE(HG_INSTANTIATE_FILL)

}  // namespace hg::cuda
