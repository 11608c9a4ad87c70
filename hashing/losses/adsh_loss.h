// ADSH's asymmetric loss (Jiang & Li, "Asymmetric Deep Supervised Hashing", AAAI 2018, eq. 4):
// the network's relaxed codes of a batch are fitted to the discrete codes V of the whole
// database, which are variables updated apart from the network (hashing/adsh_code_update.h).
#pragma once

#include "tensor/tensor.h"

namespace hg::hashing {

// For a batch of b points with relaxed codes u [b, c] (the differentiable input), database codes
// V [n, c] with values ±1 (constant), soft similarities S [b, n] of the batch to the database
// (hashing/similarity.h: 1 similar, −r dissimilar) and the batch's rows in V, idx (i64 [b]):
//
//   J = ( Σ_{i≤b} Σ_{j≤n} (u_iᵀ v_j − c·S_ij)²  +  γ Σ_{i≤b} ‖v_{idx(i)} − u_i‖² ) / (n · b)
//
// The first term asks the inner product of codes to equal c·S (c for similar pairs, −c·r for
// dissimilar); the second ties each sampled point's relaxed code to its own database code.
// The normalisation by n·b is that of the authors' code (ADSH_pytorch's ADSHLoss). The [b, n]
// product is formed whole: for n = 60,000 and b = 64 it is 15 MB in f32.
Tensor adsh_loss(const Tensor& codes, const Tensor& database_codes, const Tensor& similarity,
                 const Tensor& indices, double gamma = 200);

}  // namespace hg::hashing
