// Device discovery, the per-device streams, the process's library handles, and the errors of the
// checked CUDA calls (cuda/check.h).
#include "cuda/runtime.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>

#include "cuda/device_choice.h"
#include "cuda/handles.h"
#include "cuda/profiler_events.h"

namespace hg::cuda {

namespace detail {
void throw_cuda_error(cudaError_t status, const char* call, const char* file, int line) {
  std::string message =
      ::hg::detail::concat(call, " failed at ", file, ":", line, ": ", cudaGetErrorString(status));
  if (status == cudaErrorMemoryAllocation) throw OutOfMemoryError("CUDA out of memory: " + message);
  throw Error(message);
}
void throw_cublas_error(cublasStatus_t status, const char* call, const char* file, int line) {
  throw Error(::hg::detail::concat(call, " failed at ", file, ":", line, ": ",
                                   cublasGetStatusName(status), " (", cublasGetStatusString(status),
                                   ")"));
}
void throw_cudnn_error(cudnnStatus_t status, const char* call, const char* file, int line) {
  throw Error(::hg::detail::concat(call, " failed at ", file, ":", line, ": ",
                                   cudnnGetErrorString(status)));
}
}  // namespace detail

int device_count() {
  // Asked once: the answer cannot change within a process, and a machine without a driver
  // answers with an error we read as "no device".
  static const int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      cudaGetLastError();  // clear the sticky error so later calls are not confused by it
      return 0;
    }
    // Every path to GPU work asks this first, so GPU scopes are timed by events from the start.
    if (n > 0) install_profiler_clock();
    return n;
  }();
  return count;
}

void use_device(int ordinal) {
  if (available()) CUDA_CHECK(cudaSetDevice(ordinal % device_count()));
}

std::string device_description() {
  if (!available()) return "no CUDA device";
  cudaDeviceProp properties{};
  CUDA_CHECK(cudaGetDeviceProperties(&properties, current_device()));
  char memory[32];
  std::snprintf(memory, sizeof memory, "%.1f GiB", properties.totalGlobalMem / 1073741824.0);
  return ::hg::detail::concat(properties.name, " (sm_", properties.major, properties.minor, ", ",
                              memory, ")");
}

ComputeUnits compute_units() {
  ComputeUnits units;
  CUDA_CHECK(cudaDeviceGetAttribute(&units.multiprocessors, cudaDevAttrMultiProcessorCount,
                                    current_device()));
  CUDA_CHECK(cudaDeviceGetAttribute(&units.clock_khz, cudaDevAttrClockRate, current_device()));
  return units;
}

namespace {
void require_device() {
  HG_CHECK(available(),
           "a CUDA operation was requested but no CUDA device is available "
           "(run on a machine with a GPU, or keep tensors on the CPU)");
}

// One stream per device, made on the device's first use: a stream belongs to the device that was
// current when it was made, and work for another device cannot be queued on it.
struct DeviceStream {
  std::once_flag made;
  std::atomic<cudaStream_t> stream{nullptr};  // read without the flag by synchronize_every_device
};

DeviceStream& stream_of(int device) {
  static const std::unique_ptr<DeviceStream[]> streams = [] {
    require_device();
    return std::make_unique<DeviceStream[]>(static_cast<size_t>(device_count()));
  }();
  return streams[static_cast<size_t>(device)];
}

}  // namespace

int current_device() {
  require_device();
  int device = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  return device;
}

DeviceScope::DeviceScope(int ordinal) : previous_(current_device()) {
  HG_CHECK(ordinal >= 0 && ordinal < device_count(), "GPU ", ordinal, ": only ", device_count(),
           " CUDA devices are visible (ordinals 0 to ", device_count() - 1, ")");
  if (ordinal != previous_) CUDA_CHECK(cudaSetDevice(ordinal));
}

DeviceScope::~DeviceScope() {
  // A destructor cannot report a failure; the device it leaves is the next call's to check.
  if (cudaSetDevice(previous_) != cudaSuccess) static_cast<void>(cudaGetLastError());
}

cudaStream_t current_stream() {
  DeviceStream& device = stream_of(current_device());
  std::call_once(device.made, [&] {
    cudaStream_t created = nullptr;
    CUDA_CHECK(cudaStreamCreateWithFlags(&created, cudaStreamNonBlocking));
    device.stream = created;
  });
  return device.stream;
}

void synchronize_every_device() {
  if (!available()) return;
  for (int device = 0; device < device_count(); ++device) {
    // A device without a stream has had no work from hashgrad (and may have no context yet).
    if (stream_of(device).stream == nullptr) continue;
    DeviceScope scope(device);
    CUDA_CHECK(cudaDeviceSynchronize());
  }
}

cublasLtHandle_t cublaslt_handle() {
  static cublasLtHandle_t handle = [] {
    require_device();
    cublasLtHandle_t created;
    CUBLAS_CHECK(cublasLtCreate(&created));
    return created;
  }();
  return handle;
}

cudnnHandle_t cudnn_handle() {
  static cudnnHandle_t handle = [] {
    require_device();
    cudnnHandle_t created;
    CUDNN_CHECK(cudnnCreate(&created));
    CUDNN_CHECK(cudnnSetStream(created, current_stream()));
    return created;
  }();
  return handle;
}

void synchronize() {
  if (available()) CUDA_CHECK(cudaStreamSynchronize(current_stream()));
}

}  // namespace hg::cuda
