// The profiler's GPU clock (CUDA events and NVTX ranges), installed by cuda/runtime.cpp when it
// finds a device.
#pragma once

namespace hg::cuda {

void install_profiler_clock();

}  // namespace hg::cuda
