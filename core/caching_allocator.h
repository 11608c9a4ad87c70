// The caching allocator of DESIGN §3, for any kind of memory: host memory here in core/
// (core/host_allocator.h), device memory in cuda/allocator.h.
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

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/error.h"

namespace hg::memory {

struct Stats {
  size_t current_bytes = 0;        // in use by live tensors
  size_t peak_bytes = 0;           // the most `current_bytes` has been since the last reset
  size_t cached_bytes = 0;         // held by the cache, free for reuse
  size_t allocated_total = 0;      // sum of every request ever served (what the profiler diffs)
  int64_t system_allocations = 0;  // cudaMalloc (or aligned_alloc) calls actually made
};

// Whether freed blocks are cached (the default; see above for HASHGRAD_NO_MEMORY_CACHING).
bool caching_enabled();
// Turns caching on or off for every allocator, host and device alike, returns the previous
// setting. Turning it off gives every cached block back.
bool set_caching(bool enabled);

// Sum over every allocator of allocated_total: what the profiler reports per op.
size_t allocated_total();

// "12.5 MiB", for out-of-memory messages.
std::string mebibytes(size_t bytes);

namespace detail {

// Requests are rounded up so that slightly different sizes share cache entries: to 512 bytes
// below 1 MiB, to 2 MiB above it.
size_t round_size(size_t bytes);

// What set_caching and allocated_total reach in every allocator, whatever its memory.
class Cache {
 public:
  virtual void empty_cache() = 0;

 protected:
  ~Cache() = default;
};
// Allocators register once, when made (they are never destroyed).
void register_cache(Cache* cache);
void count_allocation(size_t bytes);

}  // namespace detail

// One caching allocator, any kind of memory. `Memory` supplies:
//   allocate(size) → pointer or nullptr when the system has none left
//   release(pointer), wait_idle() (before releasing cached blocks), stream() (the cache key:
//   a block freed on one stream is reused on that stream only), out_of_memory(size, in_use),
//   release_from_destructor(pointer) (waits, then releases; never throws: a tensor's
//   destructor calls it when caching is off).
// Host memory matters as much as device memory here: a fresh multi-megabyte host block is
// mapped page by page on first touch, which cost more than the elementwise op that asked for it.
template <typename Memory>
class CachingAllocator : public detail::Cache {
 public:
  CachingAllocator() { detail::register_cache(this); }

  void* allocate(size_t bytes) {
    const bool caching = caching_enabled();
    size_t size = caching ? detail::round_size(bytes) : std::max<size_t>(bytes, 1);
    void* stream = Memory::stream();
    std::lock_guard<std::mutex> lock(mutex_);
    // Best fit among cached blocks of this stream, but never more than twice the request:
    // a small tensor must not pin down a huge block.
    auto found = free_blocks_.lower_bound({stream, size});
    void* pointer = nullptr;
    if (caching && found != free_blocks_.end() && found->first.first == stream &&
        found->first.second <= 2 * size) {
      size = found->first.second;
      pointer = found->second;
      free_blocks_.erase(found);
      stats_.cached_bytes -= size;
    } else {
      pointer = system_allocate(size);
    }
    live_blocks_[pointer] = {stream, size};
    stats_.current_bytes += size;
    if (stats_.current_bytes > stats_.peak_bytes) stats_.peak_bytes = stats_.current_bytes;
    stats_.allocated_total += size;
    detail::count_allocation(size);
    return pointer;
  }

  void free(void* pointer) {
    if (pointer == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    auto live = live_blocks_.find(pointer);
    if (live == live_blocks_.end()) return;  // not ours (cannot happen through Storage)
    stats_.current_bytes -= live->second.second;
    if (caching_enabled()) {
      stats_.cached_bytes += live->second.second;
      // Work queued on the block's stream before this point still runs before any later reuse
      // on the same stream, so the block can be handed out again without a synchronisation.
      free_blocks_.emplace(live->second, pointer);
    } else {
      Memory::release_from_destructor(pointer);
    }
    live_blocks_.erase(live);
  }

  void empty_cache() override {
    std::lock_guard<std::mutex> lock(mutex_);
    release_cache_locked();
  }

  Stats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

  void reset_peak() {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.peak_bytes = stats_.current_bytes;
  }

  // Never destroyed: tensors in static storage may be freed after main() returns, when the
  // CUDA context may already be gone. The process exit returns the memory anyway.
  static CachingAllocator& instance() {
    static auto* allocator = new CachingAllocator();
    return *allocator;
  }

 private:
  using Key = std::pair<void*, size_t>;

  void* system_allocate(size_t size) {
    void* pointer = Memory::allocate(size);
    if (pointer == nullptr) {  // give the cache back and try once more
      release_cache_locked();
      pointer = Memory::allocate(size);
    }
    if (pointer == nullptr)
      throw OutOfMemoryError(Memory::out_of_memory(size, stats_.current_bytes));
    ++stats_.system_allocations;
    return pointer;
  }

  void release_cache_locked() {
    if (free_blocks_.empty()) return;
    Memory::wait_idle();
    for (auto& [key, pointer] : free_blocks_) Memory::release(pointer);
    free_blocks_.clear();
    stats_.cached_bytes = 0;
  }

  std::mutex mutex_;
  std::multimap<Key, void*> free_blocks_;
  std::unordered_map<void*, Key> live_blocks_;
  Stats stats_;
};

}  // namespace hg::memory
