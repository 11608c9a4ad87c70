// Device memory for tensors, through the caching allocator of core/caching_allocator.h, and
// page-locked host memory for the loader. Host memory for tensors is core/host_allocator.h's.
#pragma once

#include <cstddef>

#include "core/caching_allocator.h"

namespace hg::memory {

// Page-locked host memory, so cudaMemcpyAsync from it overlaps with kernels (needs a GPU).
void* pinned_allocate(size_t bytes);
void pinned_free(void* pointer);

// Device memory on hashgrad's stream, from the cache when a block fits.
void* device_allocate(size_t bytes);
void device_free(void* pointer);
Stats device_stats();
void reset_device_peak();
// Give every cached (free) block back to the driver, but those of live private pools.
void empty_device_cache();

// Private pools of device memory for CUDA graphs (core/caching_allocator.h, cuda/captured_graph.h):
// a new pool; the calling thread's allocations and frees go to `pool` (kGeneralPool: the
// general cache again); the pool's graph is gone, its blocks join the general cache.
PoolId create_device_pool();
void use_device_pool(PoolId pool);
void release_device_pool(PoolId pool);

}  // namespace hg::memory
