// The caching allocators behind host and device tensors, pinned host memory (see allocator.h
// for why freed blocks are cached).
#include "cuda/allocator.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

#include "core/error.h"
#include "cuda/runtime.h"
#if HASHGRAD_WITH_CUDA
#include "cuda/stream.h"
#endif

namespace hg::memory {

namespace {

std::string mebibytes(size_t bytes) {
  return detail::concat(static_cast<double>(bytes) / 1048576.0, " MiB");
}

// Requests are rounded up so that slightly different sizes share cache entries: to 512 bytes
// below 1 MiB, to 2 MiB above it.
size_t round_size(size_t bytes) {
  constexpr size_t kSmall = 512, kLarge = 2u << 20, kSmallLimit = 1u << 20;
  if (bytes == 0) bytes = 1;
  size_t unit = bytes < kSmallLimit ? kSmall : kLarge;
  return (bytes + unit - 1) / unit * unit;
}

// Read once, on first use (a function-local static, so that tensors made during static
// initialisation in other files see it too).
std::atomic<bool>& caching_flag() {
  static std::atomic<bool> flag{[] {
    const char* value = std::getenv("HASHGRAD_NO_MEMORY_CACHING");
    return value == nullptr || value[0] == '\0' || std::strcmp(value, "0") == 0;
  }()};
  return flag;
}

// One caching allocator, two kinds of memory. `Memory` supplies:
//   allocate(size) → pointer or nullptr when the system has none left
//   release(pointer), wait_idle() (before releasing cached blocks), stream() (the cache key:
//   a block freed on one stream is reused on that stream only), out_of_memory(size, in_use),
//   release_from_destructor(pointer) (waits, then releases; never throws: a tensor's
//   destructor calls it when caching is off).
// Host memory matters as much as device memory here: a fresh multi-megabyte host block is
// mapped page by page on first touch, which cost more than the elementwise op that asked for it.
template <typename Memory>
class CachingAllocator {
 public:
  void* allocate(size_t bytes) {
    const bool caching = caching_flag().load();
    size_t size = caching ? round_size(bytes) : std::max<size_t>(bytes, 1);
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
    return pointer;
  }

  void free(void* pointer) {
    if (pointer == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    auto live = live_blocks_.find(pointer);
    if (live == live_blocks_.end()) return;  // not ours (cannot happen through Storage)
    stats_.current_bytes -= live->second.second;
    if (caching_flag().load()) {
      stats_.cached_bytes += live->second.second;
      // Work queued on the block's stream before this point still runs before any later reuse
      // on the same stream, so the block can be handed out again without a synchronisation.
      free_blocks_.emplace(live->second, pointer);
    } else {
      Memory::release_from_destructor(pointer);
    }
    live_blocks_.erase(live);
  }

  void empty_cache() {
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
    return detail::concat("host out of memory: tried to allocate ", mebibytes(size), " with ",
                          mebibytes(in_use), " in use by hashgrad; lower the batch size");
  }
};

// Never destroyed: tensors in static storage may be freed after main() returns, when the
// CUDA context may already be gone. The process exit returns the memory anyway.
template <typename Memory>
CachingAllocator<Memory>& allocator() {
  static auto* instance = new CachingAllocator<Memory>();
  return *instance;
}

}  // namespace

void* host_allocate(size_t bytes) { return allocator<HostMemory>().allocate(bytes); }
void host_free(void* pointer) { allocator<HostMemory>().free(pointer); }
Stats host_stats() { return allocator<HostMemory>().stats(); }

namespace {
// Without a GPU "pinned" memory is ordinary aligned memory, outside the tensor cache.
void* unpinned_allocate(size_t bytes) {
  void* pointer = std::aligned_alloc(64, round_size(bytes));
  if (pointer == nullptr)
    throw OutOfMemoryError(detail::concat("host out of memory: could not allocate ",
                                          mebibytes(bytes), " of staging memory"));
  return pointer;
}
}  // namespace

#if HASHGRAD_WITH_CUDA

namespace {

struct DeviceMemory {
  static void* allocate(size_t size) {
    void* pointer = nullptr;
    cudaError_t status = cudaMalloc(&pointer, size);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();  // clear it: the caller retries after releasing the cache
      return nullptr;
    }
    CUDA_CHECK(status);
    return pointer;
  }
  static void release(void* pointer) { CUDA_CHECK(cudaFree(pointer)); }
  // Kernels queued on the block may still be running, so it waits first. A destructor cannot
  // report a failure: clearing it keeps a non-sticky error from being blamed on the next kernel
  // launch's check, while a sticky one (a faulted context) stays and every later CUDA call
  // reports it.
  static void release_from_destructor(void* pointer) {
    if (cudaDeviceSynchronize() != cudaSuccess || cudaFree(pointer) != cudaSuccess)
      static_cast<void>(cudaGetLastError());
  }
  static void wait_idle() { CUDA_CHECK(cudaDeviceSynchronize()); }
  static void* stream() { return cuda::current_stream(); }
  static std::string out_of_memory(size_t size, size_t in_use) {
    size_t free_bytes = 0, total_bytes = 0;
    std::string device_memory;
    if (cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess)
      device_memory = detail::concat(" and ", mebibytes(free_bytes), " free of ",
                                     mebibytes(total_bytes), " on the device");
    else
      cudaGetLastError();  // the message goes without the device's figures, not with a stale error
    return detail::concat("CUDA out of memory: tried to allocate ", mebibytes(size), " with ",
                          mebibytes(in_use), " in use by hashgrad", device_memory,
                          "; lower the batch size");
  }
};

}  // namespace

void* device_allocate(size_t bytes) { return allocator<DeviceMemory>().allocate(bytes); }
void device_free(void* pointer) { allocator<DeviceMemory>().free(pointer); }
Stats device_stats() { return allocator<DeviceMemory>().stats(); }
void reset_device_peak() { allocator<DeviceMemory>().reset_peak(); }
void empty_device_cache() { allocator<DeviceMemory>().empty_cache(); }

void* pinned_allocate(size_t bytes) {
  void* pointer = nullptr;
  if (cuda::available()) {
    const cudaError_t status = cudaMallocHost(&pointer, bytes == 0 ? 1 : bytes);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      throw OutOfMemoryError(detail::concat("host out of memory: could not pin ", mebibytes(bytes),
                                            " of staging memory"));
    }
    CUDA_CHECK(status);
    return pointer;
  }
  return unpinned_allocate(bytes);
}

void pinned_free(void* pointer) {
  if (pointer == nullptr) return;
  if (cuda::available()) {
    // Called from destructors, which must not throw: a failed free leaks the block, and its error
    // is cleared so that the next launch does not report it.
    if (cudaFreeHost(pointer) != cudaSuccess) cudaGetLastError();
    return;
  }
  std::free(pointer);
}

#else  // CPU-only build

namespace {
[[noreturn]] void no_cuda() {
  throw Error("device memory requested, but hashgrad was built without CUDA (-DHASHGRAD_CUDA=OFF)");
}
}  // namespace

void* device_allocate(size_t) { no_cuda(); }
void device_free(void*) {}
Stats device_stats() { return Stats{}; }
void reset_device_peak() {}
void empty_device_cache() {}
void* pinned_allocate(size_t bytes) { return unpinned_allocate(bytes); }
void pinned_free(void* pointer) { std::free(pointer); }

#endif

bool caching_enabled() { return caching_flag().load(); }

bool set_caching(bool enabled) {
  const bool previous = caching_flag().exchange(enabled);
  if (!enabled) {
    allocator<HostMemory>().empty_cache();
    empty_device_cache();
  }
  return previous;
}

size_t allocated_total() { return host_stats().allocated_total + device_stats().allocated_total; }

}  // namespace hg::memory
