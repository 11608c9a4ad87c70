// cuda/runtime.h and cuda/stream.h in a CPU-only build: no device, nothing to wait for.
#include "cuda/runtime.h"
#include "cuda/device_choice.h"
#include "cuda/stream.h"
#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

int device_count() { return 0; }
void use_device(int) {}
std::string device_description() { return "no CUDA device (built without CUDA)"; }
ComputeUnits compute_units() { built_without_cuda("cuda::compute_units"); }
void synchronize() {}
void synchronize_every_device() {}
int current_device() { built_without_cuda("cuda::current_device"); }
DeviceScope::DeviceScope(int) { built_without_cuda("cuda::DeviceScope"); }
DeviceScope::~DeviceScope() = default;
Stream current_stream() { built_without_cuda("current_stream"); }

}  // namespace hg::cuda
