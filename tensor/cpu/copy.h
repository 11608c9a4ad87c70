// CPU reference for strided copy with conversion, and fill. CUDA twin: cuda/copy.cu.
#pragma once

#include <cstdint>

#include "cuda/convert.h"
#include "cuda/strided_index.h"
#include "tensor/cpu/strided_loop.h"

namespace hg::cpu {

template <typename Source, typename Destination>
void copy_cast(const Source* source, StridedIndex source_index, Destination* destination,
               StridedIndex destination_index, int64_t count) {
  if (source_index.contiguous && destination_index.contiguous) {
#pragma omp parallel for if (count > kParallelThreshold)
    for (int64_t i = 0; i < count; ++i) destination[i] = convert<Destination>(source[i]);
    return;
  }
  for_each_row(count, source_index, destination_index, [&](int64_t, int64_t from, int64_t to) {
    destination[to] = convert<Destination>(source[from]);
  });
}

template <typename T>
void fill(T* destination, T value, int64_t count) {
#pragma omp parallel for if (count > kParallelThreshold)
  for (int64_t i = 0; i < count; ++i) destination[i] = value;
}

}  // namespace hg::cpu
