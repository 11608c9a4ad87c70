// Terms that shape the relaxed codes themselves rather than fit the labels: quantization terms
// (how far u is from a binary code) and the bit balance term. Each returns the bare term; the
// method's config holds its weight (η, λ, α). ADSH's quantization term γ‖v − u‖² lives in
// adsh_loss.h, CSQ's in central_similarity_loss.h (it is log_cosh_quantization_loss).
#pragma once

#include "tensor/tensor.h"

namespace hg::hashing {

// DPSH / DPHB: mean_{i,k} (b_ik − u_ik)², b = sign(u) held constant (DPSH's closed-form B step,
// DeepHash-pytorch's (u − u.sign())² with sign's zero gradient): ∂/∂u = 2(u − b)/(n·c).
Tensor sign_quantization_loss(const Tensor& codes);

// GreedyHash (Su et al., NeurIPS 2018): mean_{i,k} | |u_ik| − 1 |³.
Tensor cubic_quantization_loss(const Tensor& codes);

// CSQ (Yuan et al., CVPR 2020, eq. 7): mean_{i,k} log cosh(|u_ik| − 1), computed as
// log cosh x = |x| + log(1 + e^{−2|x|}) − log 2 so that cosh never overflows.
Tensor log_cosh_quantization_loss(const Tensor& codes);

// Bit balance in DBDH's form (Zheng et al., "Deep balanced discrete hashing", 2020):
//   mean_i ( (1/c) Σ_k u_ik )²,
// zero when every code has as many +1 as −1 bits, so that each bit splits the data evenly.
Tensor bit_balance_loss(const Tensor& codes);

}  // namespace hg::hashing
