// ScratchBuffer: device memory a launcher needs only while its own kernels run (sort keys,
// partial results of a first pass), from hashgrad's caching allocator (CUDA builds only).
//
// It is freed when the launcher returns, while those kernels may still be queued. That is safe:
// the allocator hands a freed block out again only for work on the same stream, which the GPU
// runs after them.
#pragma once

#include <algorithm>
#include <cstddef>

#include "cuda/allocator.h"

namespace hg::cuda {

struct ScratchBuffer {
  explicit ScratchBuffer(size_t bytes)
      : data(bytes > 0 ? memory::device_allocate(bytes) : nullptr) {}
  ~ScratchBuffer() {
    if (data != nullptr) memory::device_free(data);
  }
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  void* data;
};

// ScratchArray<T>: a ScratchBuffer of `count` T's, at least one so that its pointer is never null.
template <typename T>
struct ScratchArray {
  explicit ScratchArray(size_t count) : buffer(std::max<size_t>(count, 1) * sizeof(T)) {}
  T* get() const { return static_cast<T*>(buffer.data); }
  ScratchBuffer buffer;
};

}  // namespace hg::cuda
