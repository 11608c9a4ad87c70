// hashgrad's CUDA stream and library handles (CUDA builds only).
//
// All work goes to one stream per process, created on first use. One stream keeps the order
// of ops obvious (the tape replays in order) while still letting host code run ahead of the
// GPU; the data loader overlaps its copies by using pinned memory and cudaMemcpyAsync on it.
#pragma once

#include "cuda/check.h"

namespace hg::cuda {

cudaStream_t current_stream();
cublasLtHandle_t cublaslt_handle();
cudnnHandle_t cudnn_handle();

// Launch geometry for a 1-D grid-stride loop over n elements.
constexpr int kThreadsPerBlock = 256;
inline unsigned int blocks_for(long long n) {
  long long blocks = (n + kThreadsPerBlock - 1) / kThreadsPerBlock;
  if (blocks > 65535LL * 16) blocks = 65535LL * 16;  // grid-stride loops cover the rest
  return static_cast<unsigned int>(blocks < 1 ? 1 : blocks);
}

}  // namespace hg::cuda
