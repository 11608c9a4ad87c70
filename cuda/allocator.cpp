// Device memory behind CUDA tensors (cudaMalloc behind the caching allocator) and page-locked
// host memory for the loader.
//
// Several GPUs. One cache serves every device of the process: its key is the stream a block was
// allocated on (core/caching_allocator.h), and hashgrad's stream is the current device's
// (cuda/stream.h), so a block made on one GPU is handed out again only for work on that GPU.
// What would be wrong with several devices is the giving back, which happens on whichever device
// is current: a block is freed on the device it was allocated on, and emptying the cache waits
// for every device first. The statistics add up all devices. Page-locked host memory is usable
// by every device (unified addressing makes cudaMallocHost memory portable).
#include "cuda/allocator.h"
#include "cuda/check.h"

#include "cuda/runtime.h"
#include "cuda/stream.h"

namespace hg::memory {

namespace {

// The device a block of device memory was allocated on.
cudaError_t device_of(const void* pointer, int& device) {
  cudaPointerAttributes attributes{};
  const cudaError_t status = cudaPointerGetAttributes(&attributes, pointer);
  device = attributes.device;
  return status;
}

struct DeviceMemory {
  static void* allocate(size_t size) {
    void* pointer = nullptr;
    // During a CUDA graph capture (cuda/captured_graph.h) cudaMalloc is one of the calls the
    // capture's mode forbids to this thread, though it touches no stream: the private pool grows
    // with it all the same, as PyTorch's does, in relaxed mode for the one call.
    cudaStreamCaptureMode mode = cudaStreamCaptureModeRelaxed;
    CUDA_CHECK(cudaThreadExchangeStreamCaptureMode(&mode));
    cudaError_t status = cudaMalloc(&pointer, size);
    CUDA_CHECK(cudaThreadExchangeStreamCaptureMode(&mode));
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();  // clear it: the caller retries after releasing the cache
      return nullptr;
    }
    CUDA_CHECK(status);
    return pointer;
  }
  static void release(void* pointer) {
    int device = 0;
    CUDA_CHECK(device_of(pointer, device));
    cuda::DeviceScope scope(device);
    CUDA_CHECK(cudaFree(pointer));
  }
  // Kernels queued on the block may still be running, so it waits for the block's device first.
  // A destructor cannot report a failure: clearing it keeps a non-sticky error from being blamed
  // on the next kernel launch's check, while a sticky one (a faulted context) stays and every
  // later CUDA call reports it.
  static void release_from_destructor(void* pointer) {
    int previous = 0, device = 0;
    const bool released =
        cudaGetDevice(&previous) == cudaSuccess && device_of(pointer, device) == cudaSuccess &&
        cudaSetDevice(device) == cudaSuccess && cudaDeviceSynchronize() == cudaSuccess &&
        cudaFree(pointer) == cudaSuccess;
    const bool restored = cudaSetDevice(previous) == cudaSuccess;
    if (!released || !restored) static_cast<void>(cudaGetLastError());
  }
  static void wait_idle() { cuda::synchronize_every_device(); }
  static void* stream() { return cuda::current_stream(); }
  static std::string out_of_memory(size_t size, size_t in_use) {
    size_t free_bytes = 0, total_bytes = 0;
    std::string device_memory;
    if (cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess)
      device_memory = ::hg::detail::concat(" and ", mebibytes(free_bytes), " free of ",
                                           mebibytes(total_bytes), " on the device");
    else
      cudaGetLastError();  // the message goes without the device's figures, not with a stale error
    return ::hg::detail::concat("CUDA out of memory: tried to allocate ", mebibytes(size), " with ",
                                mebibytes(in_use), " in use by hashgrad", device_memory,
                                "; lower the batch size");
  }
};

using DeviceAllocator = CachingAllocator<DeviceMemory>;

}  // namespace

void* device_allocate(size_t bytes) { return DeviceAllocator::instance().allocate(bytes); }
void device_free(void* pointer) { DeviceAllocator::instance().free(pointer); }
Stats device_stats() { return DeviceAllocator::instance().stats(); }
void reset_device_peak() { DeviceAllocator::instance().reset_peak(); }
void empty_device_cache() { DeviceAllocator::instance().empty_cache(); }
PoolId create_device_pool() { return DeviceAllocator::instance().create_pool(); }
void use_device_pool(PoolId pool) { DeviceAllocator::instance().use_pool(pool); }
void release_device_pool(PoolId pool) { DeviceAllocator::instance().release_pool(pool); }

void* pinned_allocate(size_t bytes) {
  void* pointer = nullptr;
  const cudaError_t status = cudaMallocHost(&pointer, bytes == 0 ? 1 : bytes);
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    throw OutOfMemoryError(::hg::detail::concat("host out of memory: could not pin ",
                                                mebibytes(bytes), " of staging memory"));
  }
  CUDA_CHECK(status);
  return pointer;
}

void pinned_free(void* pointer) {
  // Called from destructors, which must not throw: a failed free leaks the block, and its error
  // is cleared so that the next launch does not report it.
  if (pointer != nullptr && cudaFreeHost(pointer) != cudaSuccess) cudaGetLastError();
}

}  // namespace hg::memory
