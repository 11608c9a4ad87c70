// The hash head: the layer that turns a backbone's features into c relaxed bits, and the rule
// that binarises them into the ±1 code that is stored and searched.
//
//   tanh head     u = tanh(x·Wᵀ + b) ∈ (−1, 1)^c,  code = sign(u)         (DPSH, ADSH, CSQ, ...)
//   sigmoid head  u = σ(x·Wᵀ + b) ∈ (0, 1)^c,     code = 1[u ≥ 0.5] as ±1  (AM-VGGH)
//
// W [c, in] and b [c] are torch.nn.Linear's parameters ("weight", "bias") with its
// initialisation, so a head saved by PyTorch loads by name.
#pragma once

#include "layers/module.h"

namespace hg::hashing {

enum class HashActivation { tanh, sigmoid };

const char* hash_activation_name(HashActivation activation);

class HashHead : public Module {
 public:
  // W and b drawn from U(−1/√in, 1/√in) (torch.nn.Linear's default) by the global generator of
  // tensor/random.h.
  HashHead(int64_t in_features, int64_t bits, HashActivation activation = HashActivation::tanh);
  // features [..., in] → relaxed codes u [..., bits].
  Tensor forward(const Tensor& features) override;

  int64_t in_features() const { return in_features_; }
  int64_t bits() const { return bits_; }
  HashActivation activation() const { return activation_; }
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }

 private:
  int64_t in_features_, bits_;
  HashActivation activation_;
  Tensor weight_, bias_;
};

// The ±1 codes (u's dtype and device, not differentiable) of relaxed codes u made by a head with
// `activation`: +1 where u ≥ 0 (tanh) or u ≥ 0.5 (sigmoid), −1 elsewhere. A relaxed bit exactly
// at the threshold becomes +1, so every bit of a code is ±1 (sign(0) = 0 would not be a code).
Tensor binarize(const Tensor& relaxed_codes, HashActivation activation);

}  // namespace hg::hashing
