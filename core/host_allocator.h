// Host memory for tensors, through the caching allocator (core/caching_allocator.h says why a
// cache); device and page-locked memory are cuda/allocator.h's.
#pragma once

#include <cstddef>

#include "core/caching_allocator.h"

namespace hg::memory {

// Host memory, 64-byte aligned (a cache line, and enough for any SIMD load).
void* host_allocate(size_t bytes);
void host_free(void* pointer);
Stats host_stats();

}  // namespace hg::memory
