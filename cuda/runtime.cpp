// Device discovery, the process-wide stream and library handles, numeric mode switches.
#include "cuda/runtime.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "cuda/device_choice.h"

#if HASHGRAD_WITH_CUDA
#include "cuda/stream.h"
#endif

namespace hg::cuda {

namespace {
std::atomic<bool> strict_fp32_mode{false};
std::atomic<bool> deterministic_mode{false};
}  // namespace

void set_strict_fp32(bool strict) { strict_fp32_mode = strict; }
bool strict_fp32() { return strict_fp32_mode; }
void set_deterministic(bool on) { deterministic_mode = on; }
bool deterministic() { return deterministic_mode; }

#if HASHGRAD_WITH_CUDA

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

#else  // CPU-only build

int device_count() { return 0; }
void use_device(int) {}
std::string device_description() { return "no CUDA device (built without CUDA)"; }
void synchronize() {}

#endif

}  // namespace hg::cuda
