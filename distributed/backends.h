// The communicators behind world() (communicator.h), one file each. The optional ones are
// compiled only when CMake found their library (HASHGRAD_MPI, HASHGRAD_NCCL); otherwise
// without_mpi.cpp / without_nccl.cpp define the factories to return null, so the choice of
// backend stays in world.cpp and the build files, with no #if in the code.
#pragma once

#include <memory>

#include "distributed/communicator.h"

namespace hg::distributed {

inline size_t byte_count(const Tensor& tensor) {
  return static_cast<size_t>(tensor.numel()) * dtype_size(tensor.dtype());
}

std::unique_ptr<Communicator> make_single_process_communicator();

// Initialises MPI (threads funnelled through the main thread) and returns MPI_COMM_WORLD's
// communicator; null when hashgrad was built without MPI.
std::unique_ptr<Communicator> make_mpi_communicator();

// A NCCL communicator over the ranks of `host` (which broadcasts NCCL's unique id and carries
// host tensors and bytes); null when hashgrad was built without NCCL.
std::unique_ptr<Communicator> make_nccl_communicator(Communicator& host);

}  // namespace hg::distributed
