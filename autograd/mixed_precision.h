// bf16 mixed precision: which precision the matrix products and convolutions compute in.
//
// The policy is PyTorch autocast's for the ops it lowers: under `Precision::bf16` matrix
// products and convolutions read their operands rounded to bf16 (8 bits of mantissa) and
// accumulate in f32; everything else (normalization, softmax, losses, the optimizer) stays in
// f32, and the weights the optimizer updates stay f32 (master weights): only the copy an op
// reads is rounded. Unlike autocast, a lowered op's result is handed on in f32, because every
// other op here computes in f32 and would read it back at once: a matrix product writes f32
// directly; a convolution's result is rounded to bf16 (cuDNN's bf16 convolutions write bf16)
// and widened to f32, and its bias is added in f32.
//
// The precision is chosen per thread for a scope (PrecisionScope, like torch.autocast's
// context) and fixed per op when the op runs: its backward computes in the precision its
// forward did, whatever the scope is when backward() walks the graph.
#pragma once

#include <string>

#include "tensor/tensor.h"

namespace hg {

enum class Precision { f32, bf16 };

// "f32" or "bf16" (the config key `precision`); anything else is an error naming `key`.
Precision parse_precision(const std::string& value, const std::string& key = "precision");
const char* precision_name(Precision precision);

// The precision of the lowered ops recorded on this thread now (f32 unless a scope says bf16).
Precision current_precision();

class PrecisionScope {
 public:
  explicit PrecisionScope(Precision precision);
  ~PrecisionScope();
  PrecisionScope(const PrecisionScope&) = delete;
  PrecisionScope& operator=(const PrecisionScope&) = delete;

 private:
  Precision previous_;
};

// How a lowered op hands an operand to its kernel under `precision`: f32 operands become bf16
// under bf16; any other operand (f64 for gradcheck, bf16 already, integers) is left as it is.
// The kernels read bf16 and sum in f32: bf16 · bf16 → f32 on cuBLASLt and the CPU reference
// for the matrix products; cuDNN's bf16 convolution, and its CPU reference, for the convolutions.
// `channels_last` makes the bf16 copy of a [N, C, H, W] operand channels-last in the same pass
// (tensor/channels_last.h): the convolutions ask for it on the GPU, where cuDNN's bf16
// tensor-core kernels read NHWC.
Tensor lowered_operand(const Tensor& x, Precision precision, bool channels_last = false);

}  // namespace hg
