// Activation modules (torch.nn.ReLU, GELU, Sigmoid, Tanh): a Module around one differentiable
// elementwise op, so activations can sit in a Sequential. They hold no parameters.
#pragma once

#include "autograd/elementwise.h"
#include "layers/module.h"

namespace hg {

template <Tensor (*Function)(const Tensor&)>
class Activation : public Module {
 public:
  Tensor forward(const Tensor& input) override { return Function(input); }
};

using ReLU = Activation<relu>;
using GELU = Activation<gelu>;  // the exact erf form, torch's GELU(approximate='none')
using Sigmoid = Activation<sigmoid>;
using Tanh = Activation<tanh>;

}  // namespace hg
