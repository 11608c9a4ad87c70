// DHIH's pointwise loss: the scaled-cosine margin softmax on the hash layer, in the form of
// OrthoHash (Hoe et al., "One Loss for All: Deep Hashing with a Single Cosine Similarity based
// Learning Objective", NeurIPS 2021, eq. 6-8). DHIH's own formula is not public (DESIGN §8).
//
// Each class c owns a fixed ±1 code o_c (class_codes.h). Maximising the cosine between u and its
// class's code, against every other class's code, makes sign(u) that code; the margin m keeps
// pushing until the right class wins by m, the scale s sharpens the softmax.
#pragma once

#include "tensor/tensor.h"

namespace hg::hashing {

// Codes u [n, c] (differentiable), multi-hot labels y [n, C], class codes o [C, c] (constant):
//
//   logit_ic = s · ( cos(u_i, o_c) − m·y_ic ),   cos(a, b) = aᵀb / (‖a‖ ‖b‖)
//   single-label:  L = cross_entropy(logit, argmax_c y_ic)     (rows of y must be one-hot)
//   multi-label:   L = binary_cross_entropy_with_logits(logit, y)   (OrthoHash's multi-class form)
//
// Norms are floored at 1e-12 as torch.nn.functional.normalize floors them.
Tensor cosine_margin_loss(const Tensor& codes, const Tensor& labels, const Tensor& class_codes,
                          double scale = 8, double margin = 0.2, bool multi_label = false);

// Cosine similarities [n, C] of the rows of `a` [n, c] and `b` [C, c], differentiable in both:
// the logits of cosine_margin_loss before scale and margin, and the s(x, p) of Proxy-Anchor.
Tensor cosine_similarity_matrix(const Tensor& a, const Tensor& b);

}  // namespace hg::hashing
