// HG_GRID_STRIDE_LOOP(i, count): the loop every one-thread-per-element kernel uses. Thread t
// of the grid handles elements t, t + gridDim·blockDim, ... so any grid size covers any count
// (launch with cuda::blocks_for(count) blocks of cuda::kThreadsPerBlock threads).
#pragma once

#define HG_GRID_STRIDE_LOOP(i, count)                                                        \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (count); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
