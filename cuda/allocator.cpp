// Host, pinned and caching device allocators (see allocator.h for why the device one caches).
#include "cuda/allocator.h"

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <unordered_map>

#include "cuda/error.h"
#include "cuda/runtime.h"
#if HASHGRAD_WITH_CUDA
#include "cuda/stream.h"
#endif

namespace hg::memory {

namespace {

std::string mebibytes(size_t bytes) {
  return detail::concat(static_cast<double>(bytes) / 1048576.0, " MiB");
}

struct HostCounters {
  std::atomic<size_t> current{0}, peak{0}, allocated_total{0};
  std::atomic<int64_t> system_allocations{0};
};
HostCounters host_counters;

// Without a GPU "pinned" memory is ordinary aligned memory (not counted as tensor memory).
void* unpinned_allocate(size_t bytes) {
  void* pointer = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
  HG_CHECK(pointer != nullptr, "host out of memory: could not allocate ", bytes, " bytes");
  return pointer;
}

}  // namespace

void* host_allocate(size_t bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  if (rounded == 0) rounded = 64;
  void* pointer = std::aligned_alloc(64, rounded);
  HG_CHECK(pointer != nullptr, "host out of memory: could not allocate ", mebibytes(bytes));
  size_t now = host_counters.current += bytes;
  size_t peak = host_counters.peak;
  while (now > peak && !host_counters.peak.compare_exchange_weak(peak, now)) {
  }
  host_counters.allocated_total += bytes;
  ++host_counters.system_allocations;
  return pointer;
}

void host_free(void* pointer, size_t bytes) {
  if (pointer == nullptr) return;
  host_counters.current -= bytes;
  std::free(pointer);
}

Stats host_stats() {
  Stats stats;
  stats.current_bytes = host_counters.current;
  stats.peak_bytes = host_counters.peak;
  stats.allocated_total = host_counters.allocated_total;
  stats.system_allocations = host_counters.system_allocations;
  return stats;
}

#if HASHGRAD_WITH_CUDA

namespace {

// Requests are rounded up so that slightly different sizes share cache entries: to 512 bytes
// below 1 MiB, to 2 MiB above it.
size_t round_size(size_t bytes) {
  constexpr size_t kSmall = 512, kLarge = 2u << 20, kSmallLimit = 1u << 20;
  if (bytes == 0) bytes = 1;
  size_t unit = bytes < kSmallLimit ? kSmall : kLarge;
  return (bytes + unit - 1) / unit * unit;
}

class CachingDeviceAllocator {
 public:
  void* allocate(size_t bytes) {
    size_t size = round_size(bytes);
    cudaStream_t stream = cuda::current_stream();
    std::lock_guard<std::mutex> lock(mutex_);
    // Best fit among cached blocks of this stream, but never more than twice the request:
    // a small tensor must not pin down a huge block.
    auto found = free_blocks_.lower_bound({stream, size});
    void* pointer = nullptr;
    if (found != free_blocks_.end() && found->first.first == stream &&
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
    stats_.cached_bytes += live->second.second;
    // Work queued on the block's stream before this point still runs before any later reuse
    // on the same stream, so the block can be handed out again without a synchronisation.
    free_blocks_.emplace(live->second, pointer);
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
  using Key = std::pair<cudaStream_t, size_t>;

  void* system_allocate(size_t size) {
    void* pointer = nullptr;
    cudaError_t status = cudaMalloc(&pointer, size);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      release_cache_locked();
      status = cudaMalloc(&pointer, size);
    }
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      size_t free_bytes = 0, total_bytes = 0;
      cudaMemGetInfo(&free_bytes, &total_bytes);
      throw OutOfMemoryError(detail::concat(
          "CUDA out of memory: tried to allocate ", mebibytes(size), " with ",
          mebibytes(stats_.current_bytes), " in use by hashgrad and ", mebibytes(free_bytes),
          " free of ", mebibytes(total_bytes), " on the device; lower the batch size"));
    }
    CUDA_CHECK(status);
    ++stats_.system_allocations;
    return pointer;
  }

  void release_cache_locked() {
    if (free_blocks_.empty()) return;
    CUDA_CHECK(cudaDeviceSynchronize());
    for (auto& [key, pointer] : free_blocks_) CUDA_CHECK(cudaFree(pointer));
    free_blocks_.clear();
    stats_.cached_bytes = 0;
  }

  std::mutex mutex_;
  std::multimap<Key, void*> free_blocks_;
  std::unordered_map<void*, Key> live_blocks_;
  Stats stats_;
};

// Never destroyed: tensors in static storage may be freed after main() returns, when the
// CUDA context may already be gone. The process exit returns device memory anyway.
CachingDeviceAllocator& device_allocator() {
  static auto* allocator = new CachingDeviceAllocator();
  return *allocator;
}

}  // namespace

void* device_allocate(size_t bytes) { return device_allocator().allocate(bytes); }
void device_free(void* pointer) { device_allocator().free(pointer); }
Stats device_stats() { return device_allocator().stats(); }
void reset_device_peak() { device_allocator().reset_peak(); }
void empty_device_cache() { device_allocator().empty_cache(); }

void* pinned_allocate(size_t bytes) {
  void* pointer = nullptr;
  if (cuda::available()) {
    CUDA_CHECK(cudaMallocHost(&pointer, bytes == 0 ? 1 : bytes));
    return pointer;
  }
  return unpinned_allocate(bytes);
}

void pinned_free(void* pointer) {
  if (pointer == nullptr) return;
  if (cuda::available()) {
    cudaFreeHost(pointer);
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

size_t allocated_total() { return host_counters.allocated_total + device_stats().allocated_total; }

}  // namespace hg::memory
