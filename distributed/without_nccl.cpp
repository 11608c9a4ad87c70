// Built without NCCL (no CUDA, no NCCL found, or HASHGRAD_NCCL=OFF): CUDA tensors go through
// the MPI communicator, staged through the host.
#include "distributed/backends.h"

namespace hg::distributed {

std::unique_ptr<Communicator> make_nccl_communicator(Communicator&) { return nullptr; }

}  // namespace hg::distributed
