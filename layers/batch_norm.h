// BatchNorm1d and BatchNorm2d (torch.nn.BatchNorm1d/2d): normalise each channel (dim 1) with
// the batch's statistics in training mode and with running statistics in evaluation mode,
// then scale by γ ("weight") and shift by β ("bias"). Buffers as torch names them:
// "running_mean", "running_var" and "num_batches_tracked" (i64, counts training batches).
// The formulas: autograd/normalization.h and cuda/normalization.h.
//
// Data-parallel training (DESIGN §3b) gives each process a share of the batch. By default each
// process normalises with its share's statistics (as PyTorch's DDP does); within a
// BatchNormSyncScope (the config's sync_batch_norm = on) training uses the whole batch's: each
// rank's per-channel count, mean and variance are all-gathered and pooled, and the backward pass
// all-reduces the per-channel sums Σdy and Σdy·x̂, so N processes with a share each compute what
// one process computes with the whole batch, with the fused kernels of one process.
#pragma once

#include "layers/module.h"

namespace hg::distributed {
class Communicator;
}

namespace hg {

class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& input) override;

  int64_t num_features() const { return num_features_; }
  const Tensor& weight() const { return weight_; }  // undefined when affine is false
  const Tensor& bias() const { return bias_; }
  const Tensor& running_mean() const { return running_mean_; }
  const Tensor& running_var() const { return running_var_; }
  const Tensor& num_batches_tracked() const { return num_batches_tracked_; }

 protected:
  // The variant takes inputs of min_dim..max_dim dims, shaped as `expected_shape` says.
  BatchNorm(const char* name, int64_t min_dim, int64_t max_dim, const char* expected_shape,
            int64_t num_features, double epsilon, double momentum, bool affine);

 private:
  const char *name_, *expected_shape_;
  int64_t min_dim_, max_dim_;
  int64_t num_features_;
  double epsilon_, momentum_;
  Tensor weight_, bias_, running_mean_, running_var_, num_batches_tracked_;

  Tensor synchronized_forward(const Tensor& input, distributed::Communicator& communicator);
};

// While it lives (on this thread), BatchNorm layers in training mode take their statistics over
// every rank of `communicator`; null keeps each process's own. Like PrecisionScope, the trainer
// opens one around a round's steps.
class BatchNormSyncScope {
 public:
  explicit BatchNormSyncScope(distributed::Communicator* communicator);
  ~BatchNormSyncScope();
  BatchNormSyncScope(const BatchNormSyncScope&) = delete;
  BatchNormSyncScope& operator=(const BatchNormSyncScope&) = delete;

 private:
  distributed::Communicator* previous_;
};

// Input [N, C] or [N, C, L].
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, double epsilon = 1e-5, double momentum = 0.1,
                       bool affine = true)
      : BatchNorm("BatchNorm1d", 2, 3, "[N, C] or [N, C, L]", num_features, epsilon, momentum,
                  affine) {}
};

// Input [N, C, H, W].
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, double epsilon = 1e-5, double momentum = 0.1,
                       bool affine = true)
      : BatchNorm("BatchNorm2d", 4, 4, "[N, C, H, W]", num_features, epsilon, momentum, affine) {}
};

}  // namespace hg
