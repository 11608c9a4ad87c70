// The window machinery of Swin (Liu et al., ICCV 2021), as timm's swin_transformer.py has it:
// the cyclic shift with the window partition (as a token permutation), the relative position
// index of a window and the attention mask of shifted windows. All are index or mask tensors
// built once on the CPU; the blocks apply them with differentiable ops.
#pragma once

#include "tensor/tensor.h"

namespace hg {

// The cyclic shift and window partition of timm, as one permutation of the H·W tokens:
//   windows = x_rolled[window order]   with x_rolled = torch.roll(x, (−shift, −shift), (H, W))
// i64 [H·W]: slot s = window·w² + i·w + j of the windowed layout (windows row-major over the
// (H/w) × (W/w) grid, tokens row-major inside a window) holds token
//   ((window_row·w + i + shift) mod H)·W + (window_column·w + j + shift) mod W
// of the row-major map. Partition, roll and their reverses are then one index_select each
// (index_select(x, 1, order) and index_select(windows, 1, inverse_permutation(order))), not
// two concats and a copy each way; the backward of a permutation gather is a scatter.
Tensor window_order(int64_t height, int64_t width, int64_t window_size, int64_t shift = 0);

// p⁻¹ of a permutation p of 0..n−1 (i64 [n], CPU): p⁻¹[p[i]] = i.
Tensor inverse_permutation(const Tensor& permutation);

// i64 [N, N], N = w²: for tokens p = (py, px) and q = (qy, qx) of one window, the row of the
// relative position bias table for the offset p − q:
//   (py − qy + w − 1) · (2w − 1) + (px − qx + w − 1)   ∈ [0, (2w − 1)²)
Tensor relative_position_index(int64_t window_size);

// f32 [nW, N, N] for a height × width map rolled by −shift in both dims and cut into w × w
// windows: 0 where tokens p and q of a window came from the same region of the unrolled map,
// −100 where the roll brought them together from different regions (so softmax gives those
// pairs weight ~e⁻¹⁰⁰). The regions are the 3 × 3 grid cut at w and shift from the far edges.
Tensor shifted_window_mask(int64_t height, int64_t width, int64_t window_size, int64_t shift);

}  // namespace hg
