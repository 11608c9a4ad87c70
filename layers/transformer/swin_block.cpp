// Swin transformer block (see swin_block.h).
#include "layers/transformer/swin_block.h"

#include <algorithm>

#include "autograd/elementwise.h"
#include "autograd/indexing.h"
#include "autograd/views.h"
#include "layers/transformer/windows.h"

namespace hg {

SwinBlock::SwinBlock(int64_t dim, int64_t height, int64_t width, const SwinBlockOptions& options)
    : dim_(dim),
      height_(height),
      width_(width),
      window_size_(options.window_size),
      shift_size_(options.shift_size),
      conv_scale_(options.conv_scale) {
  HG_CHECK(dim > 0 && height > 0 && width > 0, "SwinBlock: dim ", dim, " and map ", height, " x ",
           width, " must be positive");
  if (std::min(height, width) <= window_size_) {
    window_size_ = std::min(height, width);
    shift_size_ = 0;
  }
  HG_CHECK(shift_size_ >= 0 && shift_size_ < window_size_, "SwinBlock: shift ", shift_size_,
           " must lie in [0, window size ", window_size_, ")");
  HG_CHECK(height % window_size_ == 0 && width % window_size_ == 0, "SwinBlock: the ", height,
           " x ", width, " map does not split into windows of ", window_size_, " x ", window_size_,
           "; choose a window size that divides both sides (or an input size that makes them so)");
  norm1_ = register_module("norm1", std::make_shared<LayerNorm>(Shape{dim}));
  attn_ = register_module("attn",
                          std::make_shared<WindowAttention>(dim, window_size_, options.num_heads));
  if (options.mixed_attention)
    conv_block_ =
        register_module("conv_block", std::make_shared<ChannelAttentionBlock>(
                                          dim, options.compress_ratio, options.squeeze_factor));
  norm2_ = register_module("norm2", std::make_shared<LayerNorm>(Shape{dim}));
  mlp_ = register_module("mlp",
                         std::make_shared<Mlp>(dim, static_cast<int64_t>(dim * options.mlp_ratio)));
  if (shift_size_ > 0)
    attention_mask_ =
        register_buffer("attn_mask", shifted_window_mask(height, width, window_size_, shift_size_));
  if (window_size_ < height || window_size_ < width) {
    window_order_ = window_order(height, width, window_size_, shift_size_);
    token_order_ = inverse_permutation(window_order_);
  }
}

Tensor SwinBlock::shifted_window_attention(const Tensor& tokens) {
  const int64_t batch = tokens.size(0), window_tokens = window_size_ * window_size_;
  if (!window_order_.defined()) return (*attn_)(tokens);  // one window: the map itself
  if (window_order_.device() != tokens.device()) {
    window_order_ = window_order_.to(tokens.device());
    token_order_ = token_order_.to(tokens.device());
  }
  // [B, H·W, C] → [B, nW·N, C] in window order → [B·nW, N, C]: the window index runs fastest
  // inside each image, as the mask's nW expects.
  Tensor windows = reshape(index_select(tokens, 1, window_order_),
                           {batch * (height_ * width_ / window_tokens), window_tokens, dim_});
  Tensor attended = attn_->forward(windows, attention_mask_);
  return index_select(reshape(attended, {batch, height_ * width_, dim_}), 1, token_order_);
}

Tensor SwinBlock::forward(const Tensor& input) {
  HG_CHECK(input.dim() == 3 && input.size(1) == height_ * width_ && input.size(2) == dim_,
           "SwinBlock: expected tokens [B, ", height_ * width_, " (", height_, " x ", width_, "), ",
           dim_, "], got ", input.description());
  const int64_t batch = input.size(0);
  Tensor normed = (*norm1_)(input);
  Tensor mixed = input + shifted_window_attention(normed);
  if (conv_block_) {
    Tensor channels_first =
        contiguous(permute(reshape(normed, {batch, height_, width_, dim_}), {0, 3, 1, 2}));
    Tensor conv = permute((*conv_block_)(channels_first), {0, 2, 3, 1});
    mixed = mixed + reshape(conv, {batch, height_ * width_, dim_}) * conv_scale_;
  }
  return mixed + (*mlp_)((*norm2_)(mixed));
}

}  // namespace hg
