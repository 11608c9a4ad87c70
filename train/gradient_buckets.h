// Data-parallel gradients (DESIGN §3b), the way PyTorch's DDP and llm.c do them: every rank
// runs the same model on its share of the batch and backpropagates its loss times its weight
// (its items over the batch's), and before the optimizer step each gradient becomes the sum
// over ranks: for a loss that is a mean over the batch's items, the whole batch's gradient.
// The weight goes on the loss, not on the sum, so that gradients crossing ranks inside the
// graph (synchronised BatchNorm) carry it too.
//
// Parameters are grouped into buckets of about `bucket_bytes`, filled from the last parameter
// back (the order backward finishes them: the head's gradients are final first). backward()
// tells us through its leaf hook (autograd/node.h) when a parameter's gradient is final; when
// a bucket's last one is, its gradients are packed into one flat buffer and its all-reduce is
// started, so the communication of the late layers overlaps the backward pass of the early
// ones. finish() waits for them all. Every rank's graph is the same, so every rank starts the
// buckets' collectives in the same order, as MPI and NCCL require.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "autograd/gradient_ready.h"
#include "distributed/communicator.h"

namespace hg {

class GradientBuckets {
 public:
  GradientBuckets(const std::vector<Tensor>& parameters, distributed::Communicator& communicator,
                  size_t bucket_bytes = size_t{25} << 20);
  ~GradientBuckets();

  // Before each backward.
  void begin();
  // The hook to pass to backward().
  LeafGradientHook hook();
  // After backward: starts the buckets no hook completed (parameters no gradient reached),
  // waits for every bucket, and sets each gradient to its sum over ranks.
  void finish();

  size_t bucket_count() const { return buckets_.size(); }

 private:
  struct Bucket {
    std::vector<size_t> members;  // indices into parameters_
    int64_t elements = 0;
    size_t ready = 0;
    Tensor flat;
    std::unique_ptr<distributed::PendingReduction> pending;
  };
  void start(Bucket& bucket);

  std::vector<Tensor> parameters_;
  std::vector<int64_t> offsets_;  // each parameter's offset in its bucket's buffer
  std::vector<size_t> bucket_of_;
  std::unordered_map<const AutogradMeta*, size_t> index_of_;
  std::vector<Bucket> buckets_;
  distributed::Communicator& communicator_;
};

}  // namespace hg
