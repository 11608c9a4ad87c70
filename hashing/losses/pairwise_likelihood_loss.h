// DPSH's pairwise likelihood (Li, Wang & Kang, "Feature Learning based Deep Supervised Hashing
// with Pairwise Labels", IJCAI 2016, eq. 2): the similarity of a pair is modelled as
// p(s_ij = 1) = σ(Θ_ij), Θ_ij = ½ u_iᵀ u_j, and the loss is its negative log-likelihood.
#pragma once

#include "tensor/tensor.h"

namespace hg::hashing {

// Codes u [b, c] (differentiable), a bank of codes U [n, c] and similarities S [b, n] in {0, 1}:
//
//   Θ_ij = ½ u_iᵀ U_j
//   L = mean_{i,j} [ log(1 + e^{−|Θ_ij|}) + max(Θ_ij, 0) − s_ij Θ_ij ]
//
// which is −(s_ij Θ_ij − log(1 + e^{Θ_ij})) written so that no exponential overflows. With the
// batch itself as the bank (the overload below) the pairs are those within the batch and the
// gradient reaches both sides of every pair; DPSH's own code (and DeepHash-pytorch) pairs the
// batch with a bank of the last known codes of all training points, passed detached. Means
// over pairs follow DeepHash-pytorch; the paper sums.
Tensor pairwise_likelihood_loss(const Tensor& codes, const Tensor& bank, const Tensor& similarity);
Tensor pairwise_likelihood_loss(const Tensor& codes, const Tensor& similarity);

}  // namespace hg::hashing
