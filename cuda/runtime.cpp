// Device discovery, the process-wide stream and library handles, and the errors of the checked
// CUDA calls (cuda/check.h).
#include "cuda/runtime.h"

#include <cstdio>

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
  CUDA_CHECK(cudaGetDeviceProperties(&properties, 0));
  char memory[32];
  std::snprintf(memory, sizeof memory, "%.1f GiB", properties.totalGlobalMem / 1073741824.0);
  return ::hg::detail::concat(properties.name, " (sm_", properties.major, properties.minor, ", ",
                              memory, ")");
}

ComputeUnits compute_units() {
  ComputeUnits units;
  CUDA_CHECK(cudaDeviceGetAttribute(&units.multiprocessors, cudaDevAttrMultiProcessorCount, 0));
  CUDA_CHECK(cudaDeviceGetAttribute(&units.clock_khz, cudaDevAttrClockRate, 0));
  return units;
}

namespace {
void require_device() {
  HG_CHECK(available(),
           "a CUDA operation was requested but no CUDA device is available "
           "(run on a machine with a GPU, or keep tensors on the CPU)");
}
}  // namespace

cudaStream_t current_stream() {
  static cudaStream_t stream = [] {
    require_device();
    cudaStream_t created;
    CUDA_CHECK(cudaStreamCreateWithFlags(&created, cudaStreamNonBlocking));
    return created;
  }();
  return stream;
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
