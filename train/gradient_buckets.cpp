// GradientBuckets (see gradient_buckets.h).
#include "train/gradient_buckets.h"

#include "core/error.h"
#include "tensor/copy.h"
#include "tensor/views.h"

namespace hg {

GradientBuckets::GradientBuckets(const std::vector<Tensor>& parameters,
                                 distributed::Communicator& communicator, size_t bucket_bytes)
    : parameters_(parameters),
      offsets_(parameters.size()),
      bucket_of_(parameters.size()),
      communicator_(communicator) {
  const int64_t bucket_elements = std::max<int64_t>(static_cast<int64_t>(bucket_bytes / 4), 1);
  for (size_t i = parameters.size(); i-- > 0;) {
    const Tensor& parameter = parameters[i];
    HG_CHECK(parameter.dtype() == DType::f32, "data-parallel training: parameter ", i, " is ",
             parameter.description(), "; gradients are all-reduced in f32");
    if (buckets_.empty() || buckets_.back().elements >= bucket_elements ||
        parameter.device() != parameters_[buckets_.back().members.front()].device())
      buckets_.emplace_back();
    Bucket& bucket = buckets_.back();
    offsets_[i] = bucket.elements;
    bucket_of_[i] = buckets_.size() - 1;
    bucket.members.push_back(i);
    bucket.elements += parameter.numel();
    index_of_[parameter.autograd_meta().get()] = i;
  }
}

GradientBuckets::~GradientBuckets() = default;

void GradientBuckets::begin() {
  for (Bucket& bucket : buckets_) {
    bucket.ready = 0;
    bucket.pending.reset();
    bucket.flat = Tensor();
  }
}

LeafGradientHook GradientBuckets::hook() {
  return [this](const AutogradMeta& leaf) {
    auto found = index_of_.find(&leaf);
    if (found == index_of_.end()) return;  // a leaf that is not a parameter (an input)
    Bucket& bucket = buckets_[bucket_of_[found->second]];
    if (++bucket.ready == bucket.members.size()) start(bucket);
  };
}

void GradientBuckets::start(Bucket& bucket) {
  const Tensor& first = parameters_[bucket.members.front()];
  bucket.flat = Tensor::zeros({bucket.elements}, DType::f32, first.device());
  for (size_t i : bucket.members) {
    const Tensor gradient = parameters_[i].grad();
    if (!gradient.defined()) continue;
    ops::copy_(ops::narrow(bucket.flat, 0, offsets_[i], parameters_[i].numel()),
               ops::reshape(gradient, {parameters_[i].numel()}));
  }
  bucket.pending = communicator_.start_all_reduce_sum(bucket.flat);
}

void GradientBuckets::finish() {
  for (Bucket& bucket : buckets_)
    if (!bucket.pending) start(bucket);
  for (Bucket& bucket : buckets_) {
    bucket.pending->wait();
    for (size_t i : bucket.members) {
      Tensor& parameter = parameters_[i];
      if (!parameter.grad().defined()) continue;  // no gradient reached it on any rank
      parameter.set_grad(ops::reshape(ops::narrow(bucket.flat, 0, offsets_[i], parameter.numel()),
                                      parameter.shape()));
    }
  }
}

}  // namespace hg
