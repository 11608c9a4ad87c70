// The communicator of a plain run: rank 0 of 1. A sum over one rank is the values themselves,
// a gather is a copy, and there is nobody to wait for.
#include "core/error.h"
#include "distributed/backends.h"

namespace hg::distributed {

namespace {

class Done final : public PendingReduction {
 public:
  void wait() override {}
};

class SingleProcessCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_rank() const override { return 0; }
  std::string description() const override { return "single process"; }

  std::unique_ptr<PendingReduction> start_all_reduce_sum(const Tensor& values) override {
    HG_CHECK(values.dtype() == DType::f32 && values.is_contiguous(),
             "all_reduce_sum: expected a contiguous f32 tensor, got ", values.description());
    return std::make_unique<Done>();
  }

  void all_gather(const Tensor& sent, const Tensor& received) override {
    HG_CHECK(sent.is_contiguous() && received.is_contiguous() && sent.dtype() == received.dtype() &&
                 sent.numel() == received.numel(),
             "all_gather: received ", received.description(), " cannot hold one copy of ",
             sent.description());
    copy_bytes(received.raw_data(), received.device(), sent.raw_data(), sent.device(),
               byte_count(sent));
  }

  void broadcast(const Tensor&, int root) override {
    HG_CHECK(root == 0, "broadcast: root ", root, " is not a rank of a single process");
  }

  std::vector<std::vector<uint8_t>> gather_bytes(const std::vector<uint8_t>& sent,
                                                 int root) override {
    HG_CHECK(root == 0, "gather_bytes: root ", root, " is not a rank of a single process");
    return {sent};
  }

  void barrier() override {}

  [[noreturn]] void abort(const std::string& message) override { throw Error(message); }
};

}  // namespace

std::unique_ptr<Communicator> make_single_process_communicator() {
  return std::make_unique<SingleProcessCommunicator>();
}

}  // namespace hg::distributed
