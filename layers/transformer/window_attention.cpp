// Window attention (see window_attention.h): q, k and v by linear layers, then the fused
// attention op; the relative position bias is one index_select from the table.
#include "layers/transformer/window_attention.h"

#include <cmath>

#include "autograd/elementwise.h"
#include "autograd/indexing.h"
#include "autograd/matmul.h"
#include "autograd/views.h"
#include "autograd/window_attention.h"
#include "layers/transformer/init.h"
#include "layers/transformer/windows.h"

namespace hg {

WindowAttention::WindowAttention(int64_t dim, int64_t window_size, int64_t num_heads, bool qkv_bias)
    : dim_(dim), window_size_(window_size), num_heads_(num_heads) {
  HG_CHECK(dim > 0 && window_size > 0 && num_heads > 0 && dim % num_heads == 0,
           "WindowAttention: dim ", dim, " must split evenly into ", num_heads,
           " heads (and window size ", window_size, " be positive)");
  scale_ = 1.0 / std::sqrt(static_cast<double>(dim / num_heads));
  const int64_t span = 2 * window_size - 1;
  relative_position_bias_table_ =
      register_parameter("relative_position_bias_table", Tensor::empty({span * span, num_heads}));
  init::trunc_normal(relative_position_bias_table_, 0.02);
  relative_position_index_ =
      register_buffer("relative_position_index", hg::relative_position_index(window_size));
  qkv_ = register_module("qkv", std::make_shared<Linear>(dim, 3 * dim, qkv_bias));
  proj_ = register_module("proj", std::make_shared<Linear>(dim, dim));
  init::timm_linear(*qkv_);
  init::timm_linear(*proj_);
}

Tensor WindowAttention::relative_position_bias() const {
  const int64_t tokens = window_size_ * window_size_;
  Tensor rows = index_select(relative_position_bias_table_, 0,
                             reshape(relative_position_index_, {tokens * tokens}));
  return permute(reshape(rows, {tokens, tokens, num_heads_}), {2, 0, 1});
}

Tensor WindowAttention::forward(const Tensor& windows, const Tensor& mask) {
  const int64_t tokens = window_size_ * window_size_;
  HG_CHECK(windows.dim() == 3 && windows.size(1) == tokens && windows.size(2) == dim_,
           "WindowAttention: expected windows [B·nW, ", tokens, ", ", dim_, "] (window ",
           window_size_, " x ", window_size_, "), got ", windows.description());
  const int64_t count = windows.size(0), head_dim = dim_ / num_heads_;

  // q, k and v each from their third of qkv's weight and bias ([3C, C] = [W_q; W_k; W_v]),
  // heads split as views: [B_, N, C] → [B_, heads, N, d]. Three GEMMs rather than one and a
  // split, because the split's backward would zero-fill and add three [B_, N, 3C] gradients;
  // the scale d^(−1/2) is folded into W_q and b_q, a [C, C] product instead of one per score.
  auto project = [&](int64_t part, double scale) {
    Tensor weight = narrow(qkv_->weight(), 0, part * dim_, dim_);
    Tensor bias = qkv_->bias();
    if (bias.defined()) bias = narrow(bias, 0, part * dim_, dim_);
    if (scale != 1) {
      weight = weight * scale;
      if (bias.defined()) bias = bias * scale;
    }
    return transpose(reshape(linear(windows, weight, bias), {count, tokens, num_heads_, head_dim}),
                     1, 2);
  };
  Tensor q = project(0, scale_), k = project(1, 1), v = project(2, 1);
  // softmax(q kᵀ + B + M) v in one fused op per direction (autograd/window_attention.h): the
  // scores, the sum with the bias and shift mask, and the probabilities stay in one kernel.
  Tensor heads = window_attention(q, k, v, relative_position_bias(), mask);  // [B_, heads, N, d]
  return (*proj_)(reshape(transpose(heads, 1, 2), {count, tokens, dim_}));
}

}  // namespace hg
