// timm's initialisation of transformer layers (its _init_weights), beside torch.nn.init's
// schemes in layers/init.h: Linear weights and relative position bias tables from a truncated
// normal of std 0.02, Linear biases zero. LayerNorm keeps its own init (γ = 1, β = 0) and
// convolutions torch's default, as in timm.
#pragma once

#include "layers/linear.h"

namespace hg::init {

// torch.nn.init.trunc_normal_(tensor, 0, std, low, high), in place: N(0, std²) restricted to
// [low, high], drawn by rejection from the global generator, so the values follow the
// truncated distribution exactly. timm's bounds are absolute, ±2: with std 0.02 that is ±100σ,
// where a redraw essentially never happens.
void trunc_normal(const Tensor& tensor, double std, double low = -2, double high = 2);

// timm's Linear: weight ← trunc_normal(std), bias ← 0.
void timm_linear(const Linear& layer, double std = 0.02);

}  // namespace hg::init
