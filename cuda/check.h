// Checked calls into the CUDA runtime, cuBLAS and cuDNN (CUDA builds only).
//
// Every call into a CUDA library goes through one of these macros, so a failure becomes an
// hg::Error naming the call, its file and line and the library's own error string, instead of
// a silent wrong answer or a crash three calls later. Out-of-memory gets its own type.
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include "core/error.h"

namespace hg::cuda::detail {
[[noreturn]] void throw_cuda_error(cudaError_t status, const char* call, const char* file,
                                   int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* call, const char* file,
                                     int line);
[[noreturn]] void throw_cudnn_error(cudnnStatus_t status, const char* call, const char* file,
                                    int line);
}  // namespace hg::cuda::detail

#define CUDA_CHECK(call)                                                           \
  do {                                                                             \
    cudaError_t hg_status_ = (call);                                               \
    if (hg_status_ != cudaSuccess)                                                 \
      ::hg::cuda::detail::throw_cuda_error(hg_status_, #call, __FILE__, __LINE__); \
  } while (0)

#define CUBLAS_CHECK(call)                                                           \
  do {                                                                               \
    cublasStatus_t hg_status_ = (call);                                              \
    if (hg_status_ != CUBLAS_STATUS_SUCCESS)                                         \
      ::hg::cuda::detail::throw_cublas_error(hg_status_, #call, __FILE__, __LINE__); \
  } while (0)

#define CUDNN_CHECK(call)                                                           \
  do {                                                                              \
    cudnnStatus_t hg_status_ = (call);                                              \
    if (hg_status_ != CUDNN_STATUS_SUCCESS)                                         \
      ::hg::cuda::detail::throw_cudnn_error(hg_status_, #call, __FILE__, __LINE__); \
  } while (0)

// After a kernel launch: launch-configuration errors surface here, at the launch site.
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())
