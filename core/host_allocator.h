// Host memory for tensors, through the caching allocator (core/caching_allocator.h says why a
// cache); device and page-locked memory are cuda/allocator.h's.
#pragma once

#include <cstddef>
#include <vector>

#include "core/caching_allocator.h"

namespace hg::memory {

// Host memory, 64-byte aligned (a cache line, and enough for any SIMD load).
void* host_allocate(size_t bytes);
void host_free(void* pointer);
Stats host_stats();

// std::vector's allocator over the same cache, for scratch vectors made afresh on every call
// (a search's candidate buffers): a call reuses the blocks the last one freed instead of mapping
// new pages.
template <typename T>
struct HostCacheAllocator {
  using value_type = T;
  HostCacheAllocator() = default;
  template <typename U>
  HostCacheAllocator(const HostCacheAllocator<U>&) {}
  T* allocate(size_t count) { return static_cast<T*>(host_allocate(count * sizeof(T))); }
  void deallocate(T* pointer, size_t) { host_free(pointer); }
  template <typename U>
  bool operator==(const HostCacheAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const HostCacheAllocator<U>&) const {
    return false;
  }
};

template <typename T>
using CachedVector = std::vector<T, HostCacheAllocator<T>>;

}  // namespace hg::memory
