// Which GPU this process uses, when MPI starts one process per GPU on a machine
// (distributed/world.cpp). Apart from cuda/runtime.h because only the process's start needs it.
#pragma once

namespace hg::cuda {

// Makes GPU `ordinal % device_count()` this process's device, before its first CUDA work.
// Nothing without a device.
void use_device(int ordinal);

}  // namespace hg::cuda
