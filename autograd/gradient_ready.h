// backward() that also says when each leaf's gradient is final for the pass: the last op that
// sends the leaf a gradient has run (its gradient may still be undefined when none flowed).
// Data-parallel training starts a bucket's all-reduce from here, overlapping the communication
// with the rest of the backward pass (train/gradient_buckets.h), as PyTorch's DDP does with its
// gradient-accumulator hooks.
#pragma once

#include <functional>

#include "autograd/node.h"

namespace hg {

using LeafGradientHook = std::function<void(const AutogradMeta& leaf)>;

// backward(root, grad_output), calling on_leaf_gradient(leaf) for every leaf that requires a
// gradient as soon as it is final.
void backward_with_leaf_hook(const Tensor& root, const Tensor& grad_output,
                             const LeafGradientHook& on_leaf_gradient);

}  // namespace hg
