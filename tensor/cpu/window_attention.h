// CPU reference for fused window attention (Swin's attention inside each window). CUDA twin:
// cuda/window_attention.cu.
//
// For window b of `windows` and head h, with q, k, v [windows, heads, N, d] (q already scaled by
// d^(−1/2)), the relative position bias B [heads, N, N] and an optional shift mask
// M [mask_windows, N, N] (0 or −100; window b takes M[b mod mask_windows]):
//   forward:  S = q kᵀ + B_h + M_b,   P = softmax_rows(S),   out = P v
//   backward: given G = ∂L/∂out,
//             ∂L/∂P = G vᵀ,   ∂L/∂S_ij = P_ij (∂L/∂P_ij − Σ_k P_ik ∂L/∂P_ik),
//             ∂L/∂q = ∂L/∂S k,   ∂L/∂k = (∂L/∂S)ᵀ q,   ∂L/∂v = Pᵀ G
// The forward keeps P (N² per window and head, as the composed ops' softmax output is kept);
// the backward returns ∂L/∂S per window so the caller sums it over windows into ∂L/∂B. Sums
// accumulate in double, as the other references do.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace hg::cpu {

template <typename T>
void window_attention(const T* q, const T* k, const T* v, const T* bias, const T* mask, T* out,
                      T* probabilities, int64_t windows, int64_t heads, int64_t tokens,
                      int64_t head_dim, int64_t mask_windows) {
  const int64_t matrix = tokens * head_dim, square = tokens * tokens;
#pragma omp parallel for if (windows * heads * square * head_dim > 65536)
  for (int64_t window_head = 0; window_head < windows * heads; ++window_head) {
    const int64_t window = window_head / heads, head = window_head % heads;
    const int64_t at = window_head * matrix;
    const T* bias_h = bias + head * square;
    const T* mask_w = mask != nullptr ? mask + (window % mask_windows) * square : nullptr;
    T* p = probabilities + window_head * square;
    std::vector<double> out_row(head_dim);
    for (int64_t i = 0; i < tokens; ++i) {
      T* p_row = p + i * tokens;
      T largest = 0;
      for (int64_t j = 0; j < tokens; ++j) {
        double score = bias_h[i * tokens + j] + (mask_w != nullptr ? mask_w[i * tokens + j] : 0);
        for (int64_t c = 0; c < head_dim; ++c)
          score += static_cast<double>(q[at + i * head_dim + c]) * k[at + j * head_dim + c];
        p_row[j] = static_cast<T>(score);
        largest = j == 0 || p_row[j] > largest ? p_row[j] : largest;
      }
      double total = 0;
      for (int64_t j = 0; j < tokens; ++j) {
        p_row[j] = static_cast<T>(std::exp(static_cast<double>(p_row[j] - largest)));
        total += p_row[j];
      }
      std::fill(out_row.begin(), out_row.end(), 0.0);
      for (int64_t j = 0; j < tokens; ++j) {
        p_row[j] = static_cast<T>(p_row[j] / total);
        for (int64_t c = 0; c < head_dim; ++c) out_row[c] += p_row[j] * v[at + j * head_dim + c];
      }
      for (int64_t c = 0; c < head_dim; ++c)
        out[at + i * head_dim + c] = static_cast<T>(out_row[c]);
    }
  }
}

// Every product is accumulated row by row (i outer, j inner, channels innermost), so each loop
// reads contiguous rows; the three input gradients are summed in double and rounded once.
template <typename T>
void window_attention_backward(const T* grad_out, const T* q, const T* k, const T* v,
                               const T* probabilities, T* grad_q, T* grad_k, T* grad_v,
                               T* grad_scores, int64_t windows, int64_t heads, int64_t tokens,
                               int64_t head_dim) {
  const int64_t matrix = tokens * head_dim, square = tokens * tokens;
#pragma omp parallel for if (windows * heads * square * head_dim > 65536)
  for (int64_t window_head = 0; window_head < windows * heads; ++window_head) {
    const int64_t at = window_head * matrix;
    const T* g = grad_out + at;
    const T* p = probabilities + window_head * square;
    T* ds = grad_scores + window_head * square;
    std::vector<double> dq(matrix, 0.0), dk(matrix, 0.0), dv(matrix, 0.0);
    for (int64_t i = 0; i < tokens; ++i) {
      double row_dot = 0;  // Σ_k P_ik ∂L/∂P_ik
      for (int64_t j = 0; j < tokens; ++j) {
        double grad_p = 0;
        for (int64_t c = 0; c < head_dim; ++c)
          grad_p += static_cast<double>(g[i * head_dim + c]) * v[at + j * head_dim + c];
        ds[i * tokens + j] = static_cast<T>(grad_p);
        row_dot += grad_p * p[i * tokens + j];
      }
      for (int64_t j = 0; j < tokens; ++j) {
        const T score_grad = static_cast<T>(p[i * tokens + j] * (ds[i * tokens + j] - row_dot));
        ds[i * tokens + j] = score_grad;
        const double probability = p[i * tokens + j];
        for (int64_t c = 0; c < head_dim; ++c) {
          dq[i * head_dim + c] += score_grad * static_cast<double>(k[at + j * head_dim + c]);
          dk[j * head_dim + c] += score_grad * static_cast<double>(q[at + i * head_dim + c]);
          dv[j * head_dim + c] += probability * g[i * head_dim + c];
        }
      }
    }
    for (int64_t e = 0; e < matrix; ++e) {
      grad_q[at + e] = static_cast<T>(dq[e]);
      grad_k[at + e] = static_cast<T>(dk[e]);
      grad_v[at + e] = static_cast<T>(dv[e]);
    }
  }
}

}  // namespace hg::cpu
