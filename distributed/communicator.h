// Communicator: the collectives that join hashgrad's processes (DESIGN §3b). Processes are
// started by MPI (mpirun, or srun under Slurm); one interface, three implementations:
//   single process   rank 0 of 1, every collective a copy or nothing (plain `hashgrad ...`);
//   MPI              distributed/mpi_communicator.cpp: OpenMPI between CPU processes, host
//                    memory (a CUDA tensor is staged through the host);
//   NCCL             distributed/nccl_communicator.cpp: CUDA tensors through NCCL, host
//                    tensors and bytes through the MPI communicator that bootstrapped it.
// Every rank must call the same collectives in the same order (MPI's and NCCL's rule).
//
// world() is the process's communicator: MPI when the process was started by an MPI launcher
// (OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK in the environment) and hashgrad was built with
// MPI, the single process otherwise, so a plain run never initialises MPI.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace hg::distributed {

// A collective started and not yet complete. wait() completes it (once; the destructor waits
// when nobody did, so a buffer is never freed under a running collective).
class PendingReduction {
 public:
  virtual ~PendingReduction() = default;
  virtual void wait() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  // This process's position among the processes on its machine (which GPU it takes).
  virtual int local_rank() const = 0;
  // "single process", "MPI (4 processes)", "NCCL + MPI (8 processes)": for logs and errors.
  virtual std::string description() const = 0;

  // values ← Σ over ranks of values, in place: a contiguous f32 tensor of the same shape on
  // every rank. The start_ form returns at once so the caller can overlap the reduction with
  // other work (the gradient buckets of data-parallel training); `values` must stay alive and
  // untouched until wait().
  virtual std::unique_ptr<PendingReduction> start_all_reduce_sum(const Tensor& values) = 0;
  void all_reduce_sum(const Tensor& values) { start_all_reduce_sum(values)->wait(); }

  // received ← the `sent` tensors of every rank, stacked along dim 0 in rank order. `sent` has
  // the same shape and dtype on every rank; `received` holds size() times its rows.
  virtual void all_gather(const Tensor& sent, const Tensor& received) = 0;

  // values ← root's values (any dtype, same shape everywhere).
  virtual void broadcast(const Tensor& values, int root) = 0;

  // Host bytes of any length from every rank; on root, one entry per rank in rank order
  // (elsewhere empty). The merge of sharded search results goes through this.
  virtual std::vector<std::vector<uint8_t>> gather_bytes(const std::vector<uint8_t>& sent,
                                                         int root) = 0;

  virtual void barrier() = 0;

  // Ends every process of the job with `message` (one line on this rank's stderr, naming the
  // rank): what a rank does with an error the others cannot know about, since they would wait
  // forever in their next collective. One process: throws the message as an Error.
  [[noreturn]] virtual void abort(const std::string& message) = 0;
};

// The process's communicator (see above). Created on first use; MPI is finalised at exit.
Communicator& world();

// The communicator for tensors on `device`: NCCL for CUDA tensors when hashgrad was built with
// NCCL and started by an MPI launcher, world() otherwise.
Communicator& world_for(Device device);

// When this process is one rank of several: abort() with `message`, ending every rank. Returns
// in a single process (and when the communicator itself could not start).
void abort_other_ranks(const std::string& message);

// True when an MPI launcher started this process (its environment variables, above).
bool launched_by_mpi();

// Sizes of `total` items split into `parts` contiguous shares, the first `total % parts` one
// larger: rank r owns [share_begin(total, parts, r), share_begin(total, parts, r + 1)).
int64_t share_begin(int64_t total, int parts, int rank);

// The rows of every rank's share of `total` rows, stacked in rank order (the whole batch's
// rows, or the whole table when each rank updated its share): `rows` is this rank's share.
// Shares differ by at most one row; each is padded to the widest for the all-gather and the
// padding dropped.
Tensor gather_shares(const Tensor& rows, int64_t total, Communicator& communicator);

}  // namespace hg::distributed
