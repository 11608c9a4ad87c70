// CSQ, central similarity quantization (Yuan et al., "Central Similarity Quantization for
// Efficient Image and Video Retrieval", CVPR 2020, eq. 5-8): each class gets a hash centre, a
// fixed ±1 code far from every other centre (class_codes.h: Hadamard rows when the bit count
// is a power of two), and each code is pulled to its sample's centre bit by bit.
#pragma once

#include "tensor/tensor.h"

namespace hg::hashing {

// Codes u [n, c] in (−1, 1) (tanh outputs; differentiable) and the samples' centres h [n, c]
// with values ±1 (constant):
//
//   L = BCE( (u + 1)/2, (h + 1)/2 )  +  λ · mean_{i,k} log cosh(|u_ik| − 1)
//
// BCE is classification_loss.h's binary_cross_entropy (mean over samples and bits): bit k of u
// read as the probability that bit k of the centre is +1. The second term is CSQ's quantization
// term (log_cosh_quantization_loss). DeepHash-pytorch's CSQ uses (|u| − 1)² there instead; the
// paper's log cosh is the one implemented. λ = 1e-4 in DeepHash-pytorch's CSQ config.
// Centres: label_targets(labels, class_codes(C, c, seed), seed) (class_codes.h): the class's
// centre for single-label data, the sign of the summed (equivalently the mean) centres of the
// labels, ties filled at random, for multi-label data, as CSQ's label2center does.
Tensor central_similarity_loss(const Tensor& codes, const Tensor& centres, double lambda = 1e-4);

}  // namespace hg::hashing
