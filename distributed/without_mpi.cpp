// Built without MPI (CMake found no MPI, or HASHGRAD_MPI=OFF): there is no MPI communicator,
// and world() says so if an MPI launcher started the process.
#include "distributed/backends.h"

namespace hg::distributed {

std::unique_ptr<Communicator> make_mpi_communicator() { return nullptr; }

}  // namespace hg::distributed
