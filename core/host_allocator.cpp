// Host memory for tensors: posix_memalign behind the caching allocator.
#include "core/host_allocator.h"

#include <cstdlib>

namespace hg::memory {

namespace {

struct HostMemory {
  // posix_memalign, unlike aligned_alloc, takes any size: uncached blocks are exact.
  static void* allocate(size_t size) {
    void* pointer = nullptr;
    return posix_memalign(&pointer, 64, size) == 0 ? pointer : nullptr;
  }
  static void release(void* pointer) { std::free(pointer); }
  static void release_from_destructor(void* pointer) { std::free(pointer); }
  static void wait_idle() {}
  static void* stream() { return nullptr; }
  static std::string out_of_memory(size_t size, size_t in_use) {
    return ::hg::detail::concat("host out of memory: tried to allocate ", mebibytes(size), " with ",
                                mebibytes(in_use), " in use by hashgrad; lower the batch size");
  }
};

using HostAllocator = CachingAllocator<HostMemory>;

}  // namespace

void* host_allocate(size_t bytes) { return HostAllocator::instance().allocate(bytes); }
void host_free(void* pointer) { HostAllocator::instance().free(pointer); }
Stats host_stats() { return HostAllocator::instance().stats(); }

}  // namespace hg::memory
