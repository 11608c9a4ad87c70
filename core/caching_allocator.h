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
//
// Private pools are for CUDA graphs (DESIGN §3, train/step_capture_policy.h). A captured step's
// kernels keep the addresses they were captured with, and every replay writes there again, so
// the memory a capture uses must not serve anything else while the graph lives. While a thread
// has a pool active (use_pool), its allocations come from that pool's free blocks or the system,
// and every block it frees joins the pool, wherever the block came from (a block freed during
// the capture may still be read by a captured kernel). A block of a live pool goes back to the
// pool whoever frees it, never to the general cache, and empty_cache leaves pools alone. When
// the graph dies, release_pool hands the pool's free blocks to the general cache; its blocks
// still in use (a gradient the graph wrote) go there when they are freed.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "core/error.h"

namespace hg::memory {

// A private pool's name; kGeneralPool is the general cache.
using PoolId = uint64_t;
constexpr PoolId kGeneralPool = 0;

struct Stats {
  size_t current_bytes = 0;        // in use by live tensors
  size_t peak_bytes = 0;           // the most `current_bytes` has been since the last reset
  size_t cached_bytes = 0;         // held by the cache, free for reuse (private pools included)
  size_t allocated_total = 0;      // sum of every request ever served (what the profiler diffs)
  int64_t system_allocations = 0;  // cudaMalloc (or aligned_alloc) calls actually made
};

// Whether freed blocks are cached (the default; see above for HASHGRAD_NO_MEMORY_CACHING).
bool caching_enabled();
// Turns caching on or off for every allocator, host and device alike, returns the previous
// setting. Turning it off gives every cached block back, but those of live private pools.
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
    const PoolId pool = active_pool_locked();
    // Best fit among the pool's cached blocks of this stream, but never more than twice the
    // request: a small tensor must not pin down a huge block.
    auto found = free_blocks_.lower_bound({pool, stream, size});
    void* pointer = nullptr;
    if ((caching || pool != kGeneralPool) && found != free_blocks_.end() &&
        std::get<0>(found->first) == pool && std::get<1>(found->first) == stream &&
        std::get<2>(found->first) <= 2 * size) {
      size = std::get<2>(found->first);
      pointer = found->second;
      free_blocks_.erase(found);
      stats_.cached_bytes -= size;
    } else {
      pointer = system_allocate(size);
    }
    live_blocks_[pointer] = {pool, stream, size};
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
    auto [pool, stream, size] = live->second;
    if (live_pools_.count(pool) == 0) pool = kGeneralPool;  // its graph is gone
    if (active_pool_locked() != kGeneralPool) pool = active_pool_locked();
    stats_.current_bytes -= size;
    if (caching_enabled() || pool != kGeneralPool) {
      stats_.cached_bytes += size;
      // Work queued on the block's stream before this point still runs before any later reuse
      // on the same stream, so the block can be handed out again without a synchronisation.
      free_blocks_.emplace(Key{pool, stream, size}, pointer);
    } else {
      Memory::release_from_destructor(pointer);
    }
    live_blocks_.erase(live);
  }

  // A new private pool, not yet active on any thread.
  PoolId create_pool() {
    std::lock_guard<std::mutex> lock(mutex_);
    live_pools_.insert(next_pool_);
    return next_pool_++;
  }

  // The calling thread allocates from, and frees into, `pool` (a live pool), or the general
  // cache again with kGeneralPool.
  void use_pool(PoolId pool) {
    std::lock_guard<std::mutex> lock(mutex_);
    HG_CHECK(pool == kGeneralPool || live_pools_.count(pool) > 0, "memory pool ", pool,
             " was released or never created");
    if (pool == kGeneralPool)
      active_pools_.erase(std::this_thread::get_id());
    else
      active_pools_[std::this_thread::get_id()] = pool;
  }

  // The pool's graph is gone: its free blocks join the general cache (or the system, with
  // caching off), and its blocks in use will when they are freed.
  void release_pool(PoolId pool) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (live_pools_.erase(pool) == 0) return;
    for (auto active = active_pools_.begin(); active != active_pools_.end();)
      active = active->second == pool ? active_pools_.erase(active) : std::next(active);
    auto first = free_blocks_.lower_bound({pool, nullptr, 0});
    auto last = free_blocks_.lower_bound({pool + 1, nullptr, 0});
    const std::multimap<Key, void*> blocks(first, last);
    free_blocks_.erase(first, last);
    for (auto& [key, pointer] : blocks) {
      if (caching_enabled()) {
        free_blocks_.emplace(Key{kGeneralPool, std::get<1>(key), std::get<2>(key)}, pointer);
      } else {
        stats_.cached_bytes -= std::get<2>(key);
        Memory::release_from_destructor(pointer);
      }
    }
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
  using Key = std::tuple<PoolId, void*, size_t>;  // pool, stream, rounded size

  PoolId active_pool_locked() const {
    auto active = active_pools_.find(std::this_thread::get_id());
    return active == active_pools_.end() ? kGeneralPool : active->second;
  }

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

  // The general cache's blocks, which sort first; private pools keep theirs.
  void release_cache_locked() {
    auto last = free_blocks_.lower_bound({kGeneralPool + 1, nullptr, 0});
    if (last == free_blocks_.begin()) return;
    Memory::wait_idle();
    for (auto block = free_blocks_.begin(); block != last; ++block) {
      Memory::release(block->second);
      stats_.cached_bytes -= std::get<2>(block->first);
    }
    free_blocks_.erase(free_blocks_.begin(), last);
  }

  std::mutex mutex_;
  std::multimap<Key, void*> free_blocks_;
  std::unordered_map<void*, Key> live_blocks_;
  std::set<PoolId> live_pools_;
  PoolId next_pool_ = kGeneralPool + 1;
  std::unordered_map<std::thread::id, PoolId> active_pools_;
  Stats stats_;
};

}  // namespace hg::memory
