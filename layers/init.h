// Weight initialisers (torch.nn.init): the schemes torchvision's models apply after building
// their layers, written in place into a parameter so every handle to it sees the new values.
// Draws come from the global generator (tensor/random.h), so manual_seed makes them repeatable.
#pragma once

#include "tensor/tensor.h"

namespace hg::init {

// He et al. 2015 for layers followed by ReLU, counting the fan of the outputs:
//   w ~ N(0, 2 / fan_out),  fan_out = weight.size(0) · (product of the kernel dims)
// torch.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"), which torchvision's
// ResNet and VGG use for every convolution.
void kaiming_normal_fan_out(const Tensor& weight);

// w ~ N(mean, std²): torchvision's VGG initialises its Linear layers with N(0, 0.01²).
void normal(const Tensor& tensor, double mean, double std);

// Every element set to `value` (biases to 0, BatchNorm's γ to 1).
void constant(const Tensor& tensor, double value);

}  // namespace hg::init
