// The Swin transformer block (timm 0.6's SwinTransformerBlock, with its parameter names), on
// tokens x [B, H·W, C] of an H × W map:
//
//   X_M = X + reverse(W-MSA(partition(roll(LN₁(X), −s))), +s)       (s = 0: plain W-MSA)
//   Y   = X_M + MLP(LN₂(X_M))                                          MLP ratio 4, GELU
//
// With `mixed_attention` (the Swin hashing method, DESIGN.md §8) the attention branch gets a
// convolutional channel-attention branch beside it, on the same normalised map (HAT's HAB):
//
//   X_M = X + (S)W-MSA(LN₁ X) + conv_scale · CAB(LN₁ X)               conv_scale = 0.01
//
// Roll and partition are one token gather by window_order (layers/transformer/windows.h), and
// their reverse the gather by its inverse. Shifted blocks keep their mask as the buffer
// "attn_mask" [nW, N, N] (timm). As in timm, a map no larger than the window is attended as
// one window, unshifted. Stochastic depth (timm's drop_path) is left out: it is the identity at
// evaluation, and the small models trained here are not deep enough to need it.
#pragma once

#include <memory>

#include "layers/layer_norm.h"
#include "layers/module.h"
#include "layers/transformer/channel_attention.h"
#include "layers/transformer/mlp.h"
#include "layers/transformer/window_attention.h"

namespace hg {

struct SwinBlockOptions {
  int64_t num_heads = 1;
  int64_t window_size = 7;
  int64_t shift_size = 0;  // 0: W-MSA; window_size / 2 in every second block: SW-MSA
  double mlp_ratio = 4;
  // The CAB branch of DESIGN §8 and its sizes (C/compress_ratio, C/squeeze_factor channels).
  bool mixed_attention = false;
  int64_t compress_ratio = 3;
  int64_t squeeze_factor = 30;
  double conv_scale = 0.01;
};

class SwinBlock : public Module {
 public:
  SwinBlock(int64_t dim, int64_t height, int64_t width, const SwinBlockOptions& options);
  // x [B, H·W, C] → [B, H·W, C]
  Tensor forward(const Tensor& input) override;

  // After timm's adjustment for maps no larger than the window.
  int64_t window_size() const { return window_size_; }
  int64_t shift_size() const { return shift_size_; }
  const Tensor& attention_mask() const { return attention_mask_; }  // undefined unless shifted

 private:
  // LN₁(X) as tokens [B, H·W, C] → the (S)W-MSA branch's output, tokens in the same order.
  Tensor shifted_window_attention(const Tensor& tokens);

  int64_t dim_, height_, width_, window_size_, shift_size_;
  double conv_scale_;
  std::shared_ptr<LayerNorm> norm1_, norm2_;
  std::shared_ptr<WindowAttention> attn_;
  std::shared_ptr<ChannelAttentionBlock> conv_block_;  // null without mixed attention
  std::shared_ptr<Mlp> mlp_;
  Tensor attention_mask_;
  // The token gathers into and out of the windowed layout, kept on the device of the last
  // input; undefined when the layout is the map's own (one unshifted window).
  Tensor window_order_, token_order_;
};

}  // namespace hg
