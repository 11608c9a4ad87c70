// CudnnDescriptor: owns one cuDNN descriptor (tensor, pooling, filter, convolution, ...) for a
// scope (CUDA builds only).
//
// cuDNN describes every operand by an opaque descriptor that must be created, set and destroyed.
// Holding each in this wrapper means a failed set call (which throws) still destroys what was
// created: members already constructed are destroyed when a constructor throws.
#pragma once

#include <climits>
#include <cstdint>
#include <type_traits>

#include "cuda/bf16.h"
#include "cuda/check.h"

namespace hg::cuda {

template <typename Handle, cudnnStatus_t (*Create)(Handle*), cudnnStatus_t (*Destroy)(Handle)>
class CudnnDescriptor {
 public:
  CudnnDescriptor() { CUDNN_CHECK(Create(&handle_)); }
  ~CudnnDescriptor() { Destroy(handle_); }
  CudnnDescriptor(const CudnnDescriptor&) = delete;
  CudnnDescriptor& operator=(const CudnnDescriptor&) = delete;
  Handle get() const { return handle_; }

 private:
  Handle handle_ = nullptr;
};

using TensorDescriptor = CudnnDescriptor<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor,
                                         cudnnDestroyTensorDescriptor>;
using PoolingDescriptor = CudnnDescriptor<cudnnPoolingDescriptor_t, cudnnCreatePoolingDescriptor,
                                          cudnnDestroyPoolingDescriptor>;
using FilterDescriptor = CudnnDescriptor<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor,
                                         cudnnDestroyFilterDescriptor>;
using ConvolutionDescriptor =
    CudnnDescriptor<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
                    cudnnDestroyConvolutionDescriptor>;

// A size handed to cuDNN, whose calls take int: an error naming the op and the size when it is
// above 2^31 − 1.
inline int cudnn_int(int64_t value, const char* op, const char* what) {
  HG_CHECK(value <= INT32_MAX, op, ": ", what, " = ", value,
           " is above the 2^31 − 1 that cuDNN accepts (split the batch)");
  return static_cast<int>(value);
}

// cuDNN's name for the element type T (float, double, or bf16 for the convolutions).
template <typename T>
constexpr cudnnDataType_t cudnn_data_type() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, bf16>,
                "cuDNN ops here take float, double or bf16");
  if constexpr (std::is_same_v<T, bf16>) return CUDNN_DATA_BFLOAT16;
  return std::is_same_v<T, float> ? CUDNN_DATA_FLOAT : CUDNN_DATA_DOUBLE;
}

// The type cuDNN sums in for operands of type T: bf16 operands sum in f32 (cuDNN's
// PSEUDO_BFLOAT16 configuration; there is no bf16-accumulating one), the others in their own.
template <typename T>
constexpr cudnnDataType_t cudnn_compute_type() {
  return std::is_same_v<T, bf16> ? CUDNN_DATA_FLOAT : cudnn_data_type<T>();
}

// The type of the alpha and beta scaling factors cuDNN reads for operands of type T: double for
// double, float for float and bf16.
template <typename T>
using CudnnScale = std::conditional_t<std::is_same_v<T, double>, double, float>;

}  // namespace hg::cuda
