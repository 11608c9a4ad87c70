// ADSH's discrete update of the database codes V (Jiang & Li, AAAI 2018, eq. 8-9).
//
// V ∈ {−1,+1}^{n×c} are free variables, not network outputs. After the network has been
// trained on the sampled points Ω (their relaxed codes U ∈ ℝ^{m×c}), V is updated bit by bit
// by cyclic coordinate descent on the same objective the network minimised:
//
//   Ū = 0^{n×c} with Ū[Ω] = U
//   Q = −2c·SᵀU − 2γ·Ū                       (S ∈ ℝ^{m×n}: soft similarity, Ω to database)
//   for k = 1..c:   V[:,k] = −sign( 2·V[:,¬k]·(U[:,¬k]ᵀ U[:,k]) + Q[:,k] )
//
// With W = UᵀU and its diagonal zeroed, V[:,¬k]·(U[:,¬k]ᵀU[:,k]) = V·W[:,k]. Row j of V only
// ever reads row j of V, so rows are independent and each sweeps its c bits in order: one
// thread per row on the GPU, OpenMP over rows on the CPU. sign(0) is taken as +1 (so
// −sign(0) = −1 stays a valid code).
//
// Q is accumulated over database blocks of `block_rows`, so S is never larger than
// m × block_rows (the whole m × n matrix for n = 60,000 and m = 2,000 would be 480 MB).
//
// Data-parallel training (DESIGN §3b) splits V by rows: since each row of Q and each row's sweep
// read only that row of V (and the whole U, which the ranks all-gather), a rank updates its own
// rows given first_row and a communicator, which sums S's count of similar pairs (the soft
// similarity's ratio, over the whole m × n) across ranks.
#pragma once

#include "distributed/communicator.h"
#include "tensor/tensor.h"

namespace hg::hashing {

struct AdshUpdateInput {
  Tensor relaxed_codes;       // U [m, c], the network's outputs for the sampled points
  Tensor sampled_indices;     // Ω (i64 [m]): their rows in the database
  Tensor sampled_labels;      // multi-hot [m, L]
  Tensor database_labels;     // multi-hot [n, L]
  double gamma = 200;         // weight of ‖v_Ω − u‖² (ADSH γ)
  int64_t block_rows = 8192;  // database rows per similarity block
  // V split by rows: `codes` and database_labels are rows [first_row, first_row + n) of the
  // database, the other ranks of `communicator` hold the rest. Null: codes are the whole V.
  int64_t first_row = 0;
  distributed::Communicator* communicator = nullptr;
};

// Updates V [n, c] (f32, values ±1) in place, on V's device.
void adsh_update_codes(const Tensor& codes, const AdshUpdateInput& input);

// The bit sweep alone, for given W = UᵀU (diagonal ignored) and Q: exposed so it can be
// tested and profiled on its own.
void adsh_bit_sweep(const Tensor& codes, const Tensor& gram, const Tensor& linear_term);

}  // namespace hg::hashing
