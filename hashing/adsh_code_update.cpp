// ADSH code update: Q by database blocks, then the bit sweep (see adsh_code_update.h).
#include "hashing/adsh_code_update.h"

#include "core/profiler.h"
#include "cuda/adsh_code_update.h"
#include "hashing/similarity.h"
#include "tensor/ops.h"

namespace hg::hashing {

namespace {

// CPU reference of the sweep: rows in parallel, the bits of a row in order.
void bit_sweep_cpu(float* codes, const float* gram, const float* linear_term, int64_t rows,
                   int64_t bits) {
#pragma omp parallel for if (rows > 1024)
  for (int64_t row = 0; row < rows; ++row)
    adsh_sweep_row(codes + row * bits, gram, linear_term + row * bits, bits);
}

}  // namespace

void adsh_bit_sweep(const Tensor& codes, const Tensor& gram, const Tensor& linear_term) {
  int64_t rows = codes.size(0), bits = codes.size(1);
  HG_CHECK(codes.dtype() == DType::f32 && codes.is_contiguous(), "adsh_bit_sweep: codes ",
           codes.description(), " must be contiguous f32");
  HG_CHECK(gram.shape() == Shape({bits, bits}) && linear_term.shape() == codes.shape(),
           "adsh_bit_sweep: W ", gram.description(), " and Q ", linear_term.description(),
           " do not match codes ", codes.description());
  check_same_device_and_dtype(codes, gram, "adsh_bit_sweep");
  check_same_device_and_dtype(codes, linear_term, "adsh_bit_sweep");
  Tensor w = gram.contiguous(), q = linear_term.contiguous();
  profiler::Scope scope("adsh_bit_sweep", codes.is_cuda());
  if (codes.is_cuda()) {
    cuda::adsh_bit_sweep(codes.data<float>(), w.data<float>(), q.data<float>(), rows, bits,
                         cuda::current_stream());
  } else {
    bit_sweep_cpu(codes.data<float>(), w.data<float>(), q.data<float>(), rows, bits);
  }
}

void adsh_update_codes(const Tensor& codes, const AdshUpdateInput& input) {
  const Tensor& u = input.relaxed_codes;
  int64_t n = codes.size(0), bits = codes.size(1);
  HG_CHECK(u.dim() == 2 && u.size(1) == bits, "adsh_update_codes: relaxed codes ", u.description(),
           " do not have the ", bits, " bits of the database codes");
  HG_CHECK(input.database_labels.size(0) == n, "adsh_update_codes: ", n, " database codes but ",
           input.database_labels.size(0), " database labels");
  HG_CHECK(input.block_rows >= 1, "adsh_update_codes: block_rows must be at least 1, got ",
           input.block_rows);
  Device device = codes.device();
  Tensor u_device = u.to(device).to(DType::f32).contiguous();
  Tensor sampled_labels = input.sampled_labels.to(device).to(DType::f32);
  Tensor database_labels = input.database_labels.to(device).to(DType::f32);

  // Ū = 0 with Ū[Ω] = U, for the sampled points among these rows.
  std::vector<int64_t> sampled = input.sampled_indices.to_vector<int64_t>(), local_rows, positions;
  for (size_t i = 0; i < sampled.size(); ++i)
    if (sampled[i] >= input.first_row && sampled[i] < input.first_row + n) {
      local_rows.push_back(sampled[i] - input.first_row);
      positions.push_back(static_cast<int64_t>(i));
    }
  auto index = [&](const std::vector<int64_t>& values) {
    return Tensor::from_vector(values, {static_cast<int64_t>(values.size())}).to(device);
  };
  Tensor u_bar = Tensor::zeros({n, bits}, DType::f32, device);
  if (!local_rows.empty())
    u_bar = ops::index_add(u_bar, 0, index(local_rows),
                           ops::index_select(u_device, 0, index(positions)));

  // r over the whole m × n similarity, counted block by block.
  std::vector<std::pair<int64_t, int64_t>> blocks;
  for (int64_t start = 0; start < n; start += input.block_rows)
    blocks.emplace_back(start, std::min(input.block_rows, n - start));
  double similar = 0;
  for (auto [start, length] : blocks)
    similar += ops::sum(similarity(sampled_labels, ops::narrow(database_labels, 0, start, length)))
                   .to(DType::f64)
                   .item<double>();
  double database_rows = static_cast<double>(n);
  if (input.communicator != nullptr) {
    // Gathered as f64 and summed here: counts past 2^24 are not exact in an f32 all-reduce.
    Tensor mine = Tensor::from_vector(std::vector<double>{similar, database_rows}, {1, 2});
    Tensor every = Tensor::empty({input.communicator->size(), 2}, DType::f64);
    input.communicator->all_gather(mine, every);
    similar = database_rows = 0;
    std::vector<double> counts = every.to_vector<double>();
    for (size_t r = 0; r < counts.size(); r += 2)
      similar += counts[r], database_rows += counts[r + 1];
  }
  double total = static_cast<double>(u.size(0)) * database_rows;
  double ratio = total > similar ? similar / (total - similar) : 0.0;

  // Q = −2c·SᵀU − 2γ·Ū, one database block at a time.
  Tensor q = Tensor::empty({n, bits}, DType::f32, device);
  for (auto [start, length] : blocks) {
    Tensor s = soft_similarity(
        similarity(sampled_labels, ops::narrow(database_labels, 0, start, length)), ratio);
    Tensor s_t_u = ops::matmul(ops::transpose(s, 0, 1), u_device);
    Tensor block =
        ops::add(ops::mul_scalar(s_t_u, -2.0 * static_cast<double>(bits)),
                 ops::mul_scalar(ops::narrow(u_bar, 0, start, length), -2.0 * input.gamma));
    ops::copy_(ops::narrow(q, 0, start, length), block);
  }
  Tensor gram = ops::matmul(ops::transpose(u_device, 0, 1), u_device);
  adsh_bit_sweep(codes, gram, q);
}

}  // namespace hg::hashing
