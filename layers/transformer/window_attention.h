// Window multi-head self-attention with a learned relative position bias (W-MSA of Swin;
// timm's WindowAttention, with its parameter names). For the N = w² tokens of each window:
//
//   q, k, v = split(x · W_qkvᵀ + b_qkv) into `heads` heads of d = C / heads channels
//   A = softmax(q kᵀ · d^(−1/2) + B + M)          B[h, p, q] = table[index[p, q], h]
//   y = concat_heads(A v) · W_projᵀ + b_proj
//
// table [(2w − 1)², heads] is learned (relative_position_bias_table, trunc normal std 0.02),
// index the buffer relative_position_index (layers/transformer/windows.h) and M the optional
// shifted-window mask [nW, N, N] of 0 / −100, repeated over images and heads.
#pragma once

#include <memory>

#include "layers/linear.h"
#include "layers/module.h"

namespace hg {

class WindowAttention : public Module {
 public:
  WindowAttention(int64_t dim, int64_t window_size, int64_t num_heads, bool qkv_bias = true);

  // windows [B·nW, N, C] (N = w²), mask [nW, N, N] or undefined → [B·nW, N, C]. With a mask,
  // window i of the batch gets mask[i mod nW] (window_partition's order).
  Tensor forward(const Tensor& windows, const Tensor& mask);
  Tensor forward(const Tensor& windows) override { return forward(windows, Tensor()); }

  // B [heads, N, N], gathered from the table: the bias every window's scores get.
  Tensor relative_position_bias() const;

  int64_t window_size() const { return window_size_; }
  int64_t num_heads() const { return num_heads_; }
  const Tensor& relative_position_bias_table() const { return relative_position_bias_table_; }
  const Tensor& relative_position_index() const { return relative_position_index_; }

 private:
  int64_t dim_, window_size_, num_heads_;
  double scale_;  // d^(−1/2)
  Tensor relative_position_bias_table_, relative_position_index_;
  std::shared_ptr<Linear> qkv_, proj_;
};

}  // namespace hg
