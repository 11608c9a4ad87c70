// The MPI communicator: OpenMPI's collectives on MPI_COMM_WORLD, in host memory. A CUDA tensor
// is copied to the host, reduced there and copied back (NCCL is the fast path between GPUs).
// Compiled only when CMake found MPI (HASHGRAD_MPI); without_mpi.cpp otherwise.
//
// MPI errors come back as return codes (MPI_ERRORS_RETURN) and become Errors naming the call,
// so a failed collective reaches main() like any other error, and main() then ends the job
// through abort() rather than leaving the other ranks waiting.
#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "distributed/backends.h"

namespace hg::distributed {

namespace {

void check_mpi(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(detail::concat(call, " failed: ", std::string(text, static_cast<size_t>(length))));
}

int checked_count(size_t count, const char* call) {
  HG_CHECK(count <= static_cast<size_t>(INT_MAX), call, ": ", count,
           " elements is more than one MPI message holds (2^31 - 1)");
  return static_cast<int>(count);
}

// A tensor's bytes in host memory: the tensor itself on the CPU, a staged copy of a CUDA one.
class HostView {
 public:
  HostView(const Tensor& tensor, bool copy_in) : tensor_(tensor) {
    HG_CHECK(tensor.is_contiguous(), "MPI collective: expected a contiguous tensor, got ",
             tensor.description());
    if (!tensor.is_cuda()) return;
    staged_.resize(byte_count(tensor));
    if (copy_in)
      copy_bytes(staged_.data(), Device::cpu, tensor.raw_data(), Device::cuda, staged_.size());
  }
  void* data() { return tensor_.is_cuda() ? staged_.data() : tensor_.raw_data(); }
  void copy_out() {
    if (tensor_.is_cuda())
      copy_bytes(tensor_.raw_data(), Device::cuda, staged_.data(), Device::cpu, staged_.size());
  }

 private:
  Tensor tensor_;
  std::vector<uint8_t> staged_;
};

class MpiReduction final : public PendingReduction {
 public:
  explicit MpiReduction(const Tensor& values) : values_(values), host_(values, true) {
    check_mpi(MPI_Iallreduce(MPI_IN_PLACE, host_.data(),
                             checked_count(static_cast<size_t>(values.numel()), "MPI_Iallreduce"),
                             MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request_),
              "MPI_Iallreduce");
  }
  ~MpiReduction() override {
    if (request_ != MPI_REQUEST_NULL) MPI_Wait(&request_, MPI_STATUS_IGNORE);
  }
  void wait() override {
    if (request_ == MPI_REQUEST_NULL) return;
    check_mpi(MPI_Wait(&request_, MPI_STATUS_IGNORE), "MPI_Wait (all-reduce)");
    host_.copy_out();
  }

 private:
  Tensor values_;
  HostView host_;
  MPI_Request request_ = MPI_REQUEST_NULL;
};

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) {
      int provided = 0;
      check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided),
                "MPI_Init_thread");
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    check_mpi(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    check_mpi(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
    MPI_Comm local;
    check_mpi(
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local),
        "MPI_Comm_split_type");
    check_mpi(MPI_Comm_rank(local, &local_rank_), "MPI_Comm_rank (machine)");
    MPI_Comm_free(&local);
  }
  ~MpiCommunicator() override {
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (!finalised) MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_rank() const override { return local_rank_; }
  std::string description() const override {
    return detail::concat("MPI (", size_, size_ == 1 ? " process)" : " processes)");
  }

  std::unique_ptr<PendingReduction> start_all_reduce_sum(const Tensor& values) override {
    HG_CHECK(values.dtype() == DType::f32, "all_reduce_sum: expected an f32 tensor, got ",
             values.description());
    return std::make_unique<MpiReduction>(values);
  }

  void all_gather(const Tensor& sent, const Tensor& received) override {
    HG_CHECK(sent.dtype() == received.dtype() &&
                 received.numel() == sent.numel() * static_cast<int64_t>(size_),
             "all_gather: received ", received.description(), " cannot hold ", size_, " copies of ",
             sent.description());
    HostView in(sent, true), out(received, false);
    const int bytes = checked_count(byte_count(sent), "MPI_Allgather");
    check_mpi(
        MPI_Allgather(in.data(), bytes, MPI_BYTE, out.data(), bytes, MPI_BYTE, MPI_COMM_WORLD),
        "MPI_Allgather");
    out.copy_out();
  }

  void broadcast(const Tensor& values, int root) override {
    HostView host(values, rank_ == root);
    check_mpi(MPI_Bcast(host.data(), checked_count(byte_count(values), "MPI_Bcast"), MPI_BYTE, root,
                        MPI_COMM_WORLD),
              "MPI_Bcast");
    host.copy_out();
  }

  std::vector<std::vector<uint8_t>> gather_bytes(const std::vector<uint8_t>& sent,
                                                 int root) override {
    const int length = checked_count(sent.size(), "MPI_Gatherv");
    std::vector<int> lengths(static_cast<size_t>(size_)), offsets(static_cast<size_t>(size_));
    check_mpi(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, root, MPI_COMM_WORLD),
              "MPI_Gather");
    std::vector<uint8_t> all;
    if (rank_ == root) {
      size_t total = 0;
      for (int r = 0; r < size_; ++r) {
        offsets[r] = checked_count(total, "MPI_Gatherv");
        total += static_cast<size_t>(lengths[r]);
      }
      all.resize(total);
    }
    check_mpi(MPI_Gatherv(sent.data(), length, MPI_BYTE, all.data(), lengths.data(), offsets.data(),
                          MPI_BYTE, root, MPI_COMM_WORLD),
              "MPI_Gatherv");
    std::vector<std::vector<uint8_t>> parts;
    if (rank_ == root)
      for (int r = 0; r < size_; ++r)
        parts.emplace_back(all.begin() + offsets[r], all.begin() + offsets[r] + lengths[r]);
    return parts;
  }

  void barrier() override { check_mpi(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

  [[noreturn]] void abort(const std::string& message) override {
    std::fprintf(stderr, "hashgrad rank %d of %d: %s; stopping every rank\n", rank_, size_,
                 message.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    std::_Exit(1);  // MPI_Abort does not return; this tells the compiler so
  }

 private:
  int rank_ = 0, size_ = 1, local_rank_ = 0;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator() {
  return std::make_unique<MpiCommunicator>();
}

}  // namespace hg::distributed
