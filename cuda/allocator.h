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
// Give every cached (free) block back to the driver.
void empty_device_cache();

}  // namespace hg::memory
