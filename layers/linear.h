// Linear: y = x·Wᵀ + b, torch.nn.Linear with its parameter names and initialisation.
// On the GPU the bias add is fused into the cuBLASLt GEMM's epilogue (tensor/matmul.h).
#pragma once

#include "layers/module.h"

namespace hg {

class Linear : public Module {
 public:
  // W [out, in] and b [out] drawn from U(−1/√in, 1/√in) by the global generator
  // (torch's kaiming_uniform(a=√5) bound for W, and its bias rule).
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  // x [..., in] → y [..., out]
  Tensor forward(const Tensor& input) override;

  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }

 private:
  Tensor weight_, bias_;
};

}  // namespace hg
