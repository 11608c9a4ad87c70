// cuda/allocator.h in a CPU-only build: there is no device or page-locked memory to hand out,
// and nothing to count or release.
#include "cuda/allocator.h"

#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::memory {

void* pinned_allocate(size_t) { cuda::built_without_cuda("pinned_allocate"); }
void pinned_free(void*) {}
void* device_allocate(size_t) { cuda::built_without_cuda("device_allocate"); }
void device_free(void*) {}
Stats device_stats() { return Stats{}; }
void reset_device_peak() {}
void empty_device_cache() {}
PoolId create_device_pool() { cuda::built_without_cuda("create_device_pool"); }
void use_device_pool(PoolId) {}
void release_device_pool(PoolId) {}

}  // namespace hg::memory
