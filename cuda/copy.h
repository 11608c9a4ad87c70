// CUDA launchers for strided copy with dtype conversion, and fill (stubs that throw in a CPU-only
// build: cuda/without_cuda/). CPU twins: tensor/cpu/copy.h.
#pragma once

#include <cstdint>

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
