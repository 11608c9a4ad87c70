// CPU reference for strided copy with conversion, and fill. CUDA twin: cuda/copy.cu.
#pragma once

#include <cstdint>

#include "cuda/convert.h"
#include "cuda/strided_index.h"

namespace hg::cpu {

template <typename Source, typename Destination>
void copy_cast(const Source* source, StridedIndex source_index, Destination* destination,
               StridedIndex destination_index, int64_t count) {
#pragma omp parallel for if (count > 32768)
  for (int64_t i = 0; i < count; ++i)
    destination[destination_index.offset(i)] = convert<Destination>(source[source_index.offset(i)]);
}

template <typename T>
void fill(T* destination, T value, int64_t count) {
#pragma omp parallel for if (count > 32768)
  for (int64_t i = 0; i < count; ++i) destination[i] = value;
}

}  // namespace hg::cpu
