// Pairwise similarity from labels, the supervision of every pairwise and asymmetric loss.
//
// Labels are a multi-hot matrix [n, L] (single-label data: one-hot rows), so one rule covers
// both cases of DESIGN §5: i and j are similar when they share at least one label,
//   S_ij = 1[ y_iᵀ y_j > 0 ].
// Never materialised for the whole database: callers ask for blocks.
#pragma once

#include "tensor/tensor.h"

namespace hg::hashing {

// S [a, b] in {0, 1} (dtype of the labels, a floating type) for labels_a [a, L], labels_b [b, L].
Tensor similarity(const Tensor& labels_a, const Tensor& labels_b);

// ADSH's soft imbalance correction: similar pairs keep 1, dissimilar pairs get −r, with
// r = #similar / #dissimilar (imbalance_ratio; 0 when no pair is dissimilar). Over a batch
// block r is the block's own; the code update uses the ratio of the whole m × n matrix.
double imbalance_ratio(const Tensor& similarity01);
Tensor soft_similarity(const Tensor& similarity01, double ratio);

// One-hot rows [n, num_classes] (f32) from class ids (i64 [n]): the multi-hot form of
// single-label data.
Tensor one_hot_labels(const Tensor& class_ids, int64_t num_classes);

}  // namespace hg::hashing
