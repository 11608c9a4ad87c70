// The launch geometry every one-thread-per-element kernel shares.
//
// HG_GRID_STRIDE_LOOP(i, count): thread t of the grid handles elements t, t + gridDim·blockDim,
// ... so any grid size covers any count (launch with cuda::blocks_for(count) blocks of
// cuda::kThreadsPerBlock threads).
#pragma once

#include <cstdint>

namespace hg::cuda {

constexpr int kThreadsPerBlock = 256;
inline unsigned int blocks_for(long long n) {
  long long blocks = (n + kThreadsPerBlock - 1) / kThreadsPerBlock;
  if (blocks > 65535LL * 16) blocks = 65535LL * 16;  // grid-stride loops cover the rest
  return static_cast<unsigned int>(blocks < 1 ? 1 : blocks);
}

}  // namespace hg::cuda

#define HG_GRID_STRIDE_LOOP(i, count)                                                        \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (count); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
