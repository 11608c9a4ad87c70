// Label losses on codes or on a classifier's output: the "label term" of DPHB and DSBH, the
// whole loss of AM-VGGH and of DHIH's plain-CE ablation (DLBHC form), the centre loss of CSQ.
//
// Single-label data uses hg::cross_entropy (autograd/softmax.h) on class ids, the argmax of the
// one-hot label rows: ops::argmax(labels, 1). Multi-label data (multi-hot rows) has no softmax
// over classes: each class is its own yes/no question, scored by binary cross-entropy.
#pragma once

#include "tensor/tensor.h"

namespace hg::hashing {

// torch.nn.functional.binary_cross_entropy_with_logits, mean reduction: for logits x and targets
// t in [0, 1] of one shape,
//   L = mean [ max(x, 0) − x·t + log(1 + e^{−|x|}) ],
// which equals −mean[t·log σ(x) + (1−t)·log(1 − σ(x))] without overflowing for large |x|.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets);

// torch.nn.functional.binary_cross_entropy, mean reduction, on probabilities p in [0, 1]:
//   L = −mean [ t·log p + (1−t)·log(1−p) ].
// Both log arguments are floored at 1e-12 (torch floors the logs at −100 instead), so that a
// saturated p of exactly 0 or 1 gives a finite loss and a zero, not NaN, gradient.
Tensor binary_cross_entropy(const Tensor& probabilities, const Tensor& targets);

}  // namespace hg::hashing
