// Memory for tensors: the caching allocator of DESIGN §3, for device and host memory alike,
// and pinned host memory for the loader.
//
// Why cache: cudaMalloc and cudaFree synchronise the device and cost tens of microseconds, and
// a fresh large host block is mapped page by page on first touch. A training step allocates and
// frees the same sizes every iteration, so freed blocks go to a cache (keyed by rounded size and
// stream) and the next request of that size reuses one. In steady state a step makes no system
// allocation at all. When the system has no memory left the cache is released and the request
// retried once; only then is it an OutOfMemoryError.
//
// The cache can be turned off, as PyTorch's PYTORCH_NO_CUDA_MEMORY_CACHING does, with
// HASHGRAD_NO_MEMORY_CACHING=1 in the environment: every tensor is then a system allocation of
// its exact size, given back the moment the tensor dies. That is slow, and it is for checking:
// a cached block is rounded up and reused, so a kernel that reads past its tensor's end lands
// in memory the process owns, and compute-sanitizer (device) or AddressSanitizer and valgrind
// (host) cannot see it. Without the cache they can.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hg::memory {

struct Stats {
  size_t current_bytes = 0;        // in use by live tensors
  size_t peak_bytes = 0;           // the most `current_bytes` has been since the last reset
  size_t cached_bytes = 0;         // held by the cache, free for reuse
  size_t allocated_total = 0;      // sum of every request ever served (what the profiler diffs)
  int64_t system_allocations = 0;  // cudaMalloc (or aligned_alloc) calls actually made
};

// Host memory, 64-byte aligned (a cache line, and enough for any SIMD load).
void* host_allocate(size_t bytes);
void host_free(void* pointer);
Stats host_stats();

// Page-locked host memory, so cudaMemcpyAsync from it overlaps with kernels. Falls back to
// ordinary host memory in a CPU-only build.
void* pinned_allocate(size_t bytes);
void pinned_free(void* pointer);

// Device memory on hashgrad's stream, from the cache when a block fits.
void* device_allocate(size_t bytes);
void device_free(void* pointer);
Stats device_stats();
void reset_device_peak();
// Give every cached (free) block back to the driver.
void empty_device_cache();

// Whether freed blocks are cached (the default; see above for HASHGRAD_NO_MEMORY_CACHING).
bool caching_enabled();
// Turns caching on or off for host and device memory alike, returns the previous setting.
// Turning it off gives every cached block back.
bool set_caching(bool enabled);

// Sum over host and device of allocated_total: what the profiler reports per op.
size_t allocated_total();

}  // namespace hg::memory
