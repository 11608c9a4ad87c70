// Which GPUs this process uses: the one it computes on, when MPI starts one process per GPU on a
// machine (distributed/world.cpp), and the ones it searches on (--gpus of `hashgrad search` and
// `eval`). Apart from cuda/runtime.h because only the process's start and the search commands
// need it.
#pragma once

#include <vector>

#include "core/error.h"
#include "cuda/runtime.h"

namespace hg::cuda {

// Makes GPU `ordinal % device_count()` this process's device, before its first CUDA work.
// Nothing without a device.
void use_device(int ordinal);

// The ordinals of the `count` GPUs the process that is `local_rank` on its machine searches on:
// count consecutive GPUs from local_rank × count, wrapping past the last. So one process takes
// its own GPU (use_device(local_rank)) for count 1, and the processes of a machine take disjoint
// GPUs while processes × count ≤ GPUs; past that they share GPUs, as use_device's processes do.
inline std::vector<int> search_gpus(int count, int local_rank) {
  const int visible = device_count();
  HG_CHECK(count >= 1 && count <= visible, "search on ", count, " GPUs: ", visible,
           " CUDA devices are visible");
  std::vector<int> gpus;
  for (int i = 0; i < count; ++i) gpus.push_back((local_rank * count + i) % visible);
  return gpus;
}

}  // namespace hg::cuda
