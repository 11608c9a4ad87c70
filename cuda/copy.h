// CUDA launchers for strided copy with dtype conversion, and fill (stubs that throw in a CPU-only
// build: cuda/without_cuda/). CPU twins: tensor/cpu/copy.h.
#pragma once

#include <cstdint>

#include "cuda/convert.h"
#include "cuda/stream.h"
#include "cuda/strided_index.h"

namespace hg::cuda {

// destination[destination_index(i)] = Destination(source[source_index(i)]),  i < count.
template <typename Source, typename Destination>
void copy_cast(const Source* source, StridedIndex source_index, Destination* destination,
               StridedIndex destination_index, int64_t count, Stream stream);

// destination[i] = value for i < count (contiguous).
template <typename T>
void fill(T* destination, T value, int64_t count, Stream stream);

}  // namespace hg::cuda

// The instantiations both definitions of the templates above provide (cuda/copy.cu's kernels and
// cuda/without_cuda/copy.cpp's stubs), so the two builds link the same entry points: copy_cast
// from every element type to every other, and fill of every type. Expanded once, inside
// namespace hg::cuda, after the definitions.
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
#define HG_INSTANTIATE_FILL(T) template void fill<T>(T*, T, int64_t, Stream);
#define HG_INSTANTIATE_COPY_AND_FILL()       \
  HG_FOR_EACH_TYPE(HG_INSTANTIATE_COPY_FROM) \
  HG_FOR_EACH_TYPE(HG_INSTANTIATE_FILL)
