// DPN's polarization loss (Fan et al., "Deep Polarized Network for Supervised Learning of
// Accurate Binary Hashing Codes", IJCAI 2020, eq. 3): a hinge per bit that pushes each relaxed
// bit past ±m on the side of its sample's target code.
#pragma once

#include "tensor/tensor.h"

namespace hg::hashing {

// Codes u [n, c] (differentiable) and ±1 target codes t [n, c] (constant):
//
//   L = mean_{i,k} max(m − u_ik · t_ik, 0),   m = 1 by default.
//
// Targets: label_targets(labels, random_balanced_codes(C, c, seed), seed) (class_codes.h), the
// class's random half-−1 code for single-label data, the sign of the sum of the label codes,
// ties filled at random, for multi-label data. (The Swin hashing method mixes this loss with
// ADSH's: λ·polarization + (1−λ)·asymmetric.)
Tensor polarization_loss(const Tensor& codes, const Tensor& targets, double margin = 1);

}  // namespace hg::hashing
