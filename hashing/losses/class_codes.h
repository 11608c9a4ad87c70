// Fixed ±1 codes per class, the targets of the pointwise losses: DHIH's class codes o_c
// (OrthoHash), CSQ's hash centres, DPN's polarization targets; and the per-sample target they give
// a multi-label sample.
//
// Random draws use std::mt19937_64 directly (its output is fixed by the C++ standard, the
// standard distributions are not), so a seed gives the same codes with every compiler. They do
// not touch the global generator of tensor/random.h: making class codes never shifts the
// random stream of training.
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace hg::hashing {

// Sylvester's Hadamard matrix H [size, size], size a power of two:
//   H_1 = [1],  H_2k = [[H_k, H_k], [H_k, −H_k]],  i.e. H_ij = (−1)^popcount(i AND j).
// Its rows are mutually orthogonal: any two differ in exactly size/2 bits.
Tensor hadamard(int64_t size, DType dtype = DType::f32, Device device = Device::cpu);

// `rows` random ±1 codes of `bits` bits, each with exactly ⌊bits/2⌋ entries −1 at positions
// chosen by a seeded Fisher–Yates shuffle ("random, half −1": DPN's targets, CSQ's random
// centres).
Tensor random_balanced_codes(int64_t rows, int64_t bits, uint64_t seed, DType dtype = DType::f32,
                             Device device = Device::cpu);

// One code o_c per class [num_classes, bits], built as CSQ (Yuan et al., CVPR 2020) and
// OrthoHash (Hoe et al., NeurIPS 2021) build theirs: when `bits` is a power of two the rows of
// [H; −H] in that order (2·bits codes; two of them differ in bits/2 bits, or in all bits for a
// row and its negation), the first num_classes of them; classes beyond 2·bits, or every class
// when `bits` is not a power of two, get random_balanced_codes drawn from `seed`. (CSQ redraws
// those random rows up to 20 times to push their minimum distance above bits/4; we draw once.)
Tensor class_codes(int64_t num_classes, int64_t bits, uint64_t seed, DType dtype = DType::f32,
                   Device device = Device::cpu);

// The ±1 target code of each sample from its multi-hot labels [n, C] and the class codes
// [C, bits]:
//   t_i = sign(Σ_c y_ic · o_c),
// the class code itself for single-label data. Bits where the sum ties at 0 take the bit of one
// fixed random ±1 vector drawn from `seed` (CSQ's multi-label centres, DPN's "zeros filled at
// random"), so a given label set always gets the same target. Result [n, bits] in the class
// codes' dtype, on their device; not differentiable.
Tensor label_targets(const Tensor& labels, const Tensor& class_codes, uint64_t seed);

}  // namespace hg::hashing
