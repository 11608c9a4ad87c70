// world(): which communicator this process has (see communicator.h), and the share arithmetic
// every sharded loop uses.
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "cuda/device_choice.h"
#include "distributed/backends.h"

namespace hg::distributed {

namespace {

// The job's size as the launcher announced it (0: not announced).
int announced_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"})
    if (const char* value = std::getenv(name)) return std::atoi(value);
  return 0;
}

std::unique_ptr<Communicator> make_world() {
  if (!launched_by_mpi()) return make_single_process_communicator();
  std::unique_ptr<Communicator> mpi = make_mpi_communicator();
  if (!mpi) {
    HG_CHECK(announced_size() <= 1, "an MPI launcher started ", announced_size(),
             " hashgrad processes, but this hashgrad was built without MPI: install OpenMPI "
             "(openmpi-bin, libopenmpi-dev) and rebuild, or run a single process");
    return make_single_process_communicator();
  }
  // One GPU per process on each machine, before anything else touches CUDA.
  cuda::use_device(mpi->local_rank());
  return mpi;
}

}  // namespace

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

Communicator& world() {
  static std::unique_ptr<Communicator> communicator = make_world();
  return *communicator;
}

Communicator& world_for(Device device) {
  if (device != Device::cuda || !launched_by_mpi()) return world();
  static std::unique_ptr<Communicator> nccl = make_nccl_communicator(world());
  return nccl ? *nccl : world();
}

void abort_other_ranks(const std::string& message) {
  if (!launched_by_mpi()) return;
  Communicator* communicator = nullptr;
  try {
    communicator = &world();
  } catch (const Error&) {
    return;  // world() failing was the error being reported
  }
  if (communicator->size() > 1) communicator->abort(message);
}

int64_t share_begin(int64_t total, int parts, int rank) {
  const int64_t base = total / parts, larger = total % parts;
  return rank * base + std::min<int64_t>(rank, larger);
}

}  // namespace hg::distributed
