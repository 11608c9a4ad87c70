// HG_HOST_DEVICE marks functions that both the CPU reference (g++) and the CUDA kernels (nvcc)
// compile, so one formula serves both paths and they cannot drift apart.
#pragma once

#if defined(__CUDACC__)
#define HG_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define HG_HOST_DEVICE inline
#endif
