// The NCCL communicator: sums, gathers and broadcasts of CUDA tensors between GPUs through
// NCCL, on hashgrad's stream (so they queue behind the backward kernels that produced the
// gradients, and the optimizer's kernels queue behind them). Host tensors and bytes go through
// the MPI communicator that started the job, which also hands every rank NCCL's unique id.
// Compiled only when CMake found NCCL (HASHGRAD_NCCL) with CUDA; without_nccl.cpp otherwise.
//
// Not yet run on a machine with a GPU: it compiles against NCCL 2 (nccl.h) and mirrors the MPI
// communicator's meaning; the tests run the MPI one.
#include <nccl.h>

#include <cstring>

#include "core/error.h"
#include "cuda/check.h"
#include "cuda/stream.h"
#include "distributed/backends.h"

namespace hg::distributed {

namespace {

void check_nccl(ncclResult_t result, const char* call) {
  HG_CHECK(result == ncclSuccess, call, " failed: ", ncclGetErrorString(result));
}

ncclDataType_t nccl_type(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return ncclFloat32;
    case DType::f64:
      return ncclFloat64;
    case DType::i32:
      return ncclInt32;
    case DType::i64:
      return ncclInt64;
    case DType::u8:
      return ncclUint8;
    case DType::u64:
      return ncclUint64;
    default:
      return ncclUint8;
  }
}

// Elements in NCCL's units: bytes for the dtypes NCCL has no type for (bf16 goes as bytes).
size_t nccl_count(const Tensor& tensor) {
  return nccl_type(tensor.dtype()) == ncclUint8 ? byte_count(tensor)
                                                : static_cast<size_t>(tensor.numel());
}

// NCCL work is ordered on the stream: a later kernel on the stream sees the sum, so waiting is
// only needed by the host, and wait() synchronises the stream.
class NcclReduction final : public PendingReduction {
 public:
  void wait() override { CUDA_CHECK(cudaStreamSynchronize(cuda::current_stream())); }
};

class NcclCommunicator final : public Communicator {
 public:
  explicit NcclCommunicator(Communicator& host) : host_(host) {
    ncclUniqueId id{};
    if (host.rank() == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    Tensor id_bytes = Tensor::empty({static_cast<int64_t>(sizeof id)}, DType::u8);
    std::memcpy(id_bytes.raw_data(), &id, sizeof id);
    host.broadcast(id_bytes, 0);
    std::memcpy(&id, id_bytes.raw_data(), sizeof id);
    check_nccl(ncclCommInitRank(&communicator_, host.size(), id, host.rank()), "ncclCommInitRank");
  }
  ~NcclCommunicator() override { ncclCommDestroy(communicator_); }

  int rank() const override { return host_.rank(); }
  int size() const override { return host_.size(); }
  int local_rank() const override { return host_.local_rank(); }
  std::string description() const override { return "NCCL + " + host_.description(); }

  std::unique_ptr<PendingReduction> start_all_reduce_sum(const Tensor& values) override {
    if (!values.is_cuda()) return host_.start_all_reduce_sum(values);
    HG_CHECK(values.dtype() == DType::f32 && values.is_contiguous(),
             "all_reduce_sum: expected a contiguous f32 tensor, got ", values.description());
    check_nccl(
        ncclAllReduce(values.raw_data(), values.raw_data(), static_cast<size_t>(values.numel()),
                      ncclFloat32, ncclSum, communicator_, cuda::current_stream()),
        "ncclAllReduce");
    return std::make_unique<NcclReduction>();
  }

  void all_gather(const Tensor& sent, const Tensor& received) override {
    if (!sent.is_cuda() || !received.is_cuda()) return host_.all_gather(sent, received);
    HG_CHECK(sent.is_contiguous() && received.is_contiguous() && sent.dtype() == received.dtype() &&
                 received.numel() == sent.numel() * size(),
             "all_gather: received ", received.description(), " cannot hold ", size(),
             " copies of ", sent.description());
    check_nccl(ncclAllGather(sent.raw_data(), received.raw_data(), nccl_count(sent),
                             nccl_type(sent.dtype()), communicator_, cuda::current_stream()),
               "ncclAllGather");
  }

  void broadcast(const Tensor& values, int root) override {
    if (!values.is_cuda()) return host_.broadcast(values, root);
    HG_CHECK(values.is_contiguous(), "broadcast: expected a contiguous tensor, got ",
             values.description());
    check_nccl(
        ncclBroadcast(values.raw_data(), values.raw_data(), nccl_count(values),
                      nccl_type(values.dtype()), root, communicator_, cuda::current_stream()),
        "ncclBroadcast");
  }

  std::vector<std::vector<uint8_t>> gather_bytes(const std::vector<uint8_t>& sent,
                                                 int root) override {
    return host_.gather_bytes(sent, root);
  }

  void barrier() override {
    CUDA_CHECK(cudaStreamSynchronize(cuda::current_stream()));
    host_.barrier();
  }

  [[noreturn]] void abort(const std::string& message) override {
    ncclCommAbort(communicator_);
    host_.abort(message);
    throw Error(message);  // not reached: host_.abort ends the process
  }

 private:
  Communicator& host_;
  ncclComm_t communicator_ = nullptr;
};

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(Communicator& host) {
  return std::make_unique<NcclCommunicator>(host);
}

}  // namespace hg::distributed
