// ADSH's discrete code update against a direct implementation of the paper's algorithm
// (dense S, explicit ¬k column sets, as in the authors' NumPy code), and its descent property,
// on every device. Then the CUDA bit sweep and full update (Q by similarity blocks, W, the sweep)
// against the CPU at sizes where the sweep's W no longer fits in shared memory.
#include <gtest/gtest.h>

#include <random>

#include "cuda/runtime.h"
#include "hashing/adsh_code_update.h"
#include "hashing/similarity.h"
#include "tensor/ops.h"
#include "tests/device_test.h"
#include "tests/numeric_mode.h"

namespace hg {
namespace {

struct Problem {
  int64_t n = 300, m = 40, bits = 12, classes = 5;
  std::vector<int64_t> database_classes, sampled;
  std::vector<float> u, v;  // U [m, bits], V [n, bits]
  double gamma = 200;
};

Problem make_problem(uint64_t seed) {
  Problem p;
  std::mt19937_64 generator(seed);
  for (int64_t j = 0; j < p.n; ++j)
    p.database_classes.push_back(static_cast<int64_t>(generator() % p.classes));
  std::vector<int64_t> all(p.n);
  for (int64_t j = 0; j < p.n; ++j) all[j] = j;
  for (int64_t i = 0; i < p.m; ++i) {  // m distinct rows
    std::swap(all[i], all[i + generator() % (p.n - i)]);
    p.sampled.push_back(all[i]);
  }
  std::uniform_real_distribution<float> relaxed(-1, 1);
  for (int64_t i = 0; i < p.m * p.bits; ++i) p.u.push_back(relaxed(generator));
  for (int64_t i = 0; i < p.n * p.bits; ++i) p.v.push_back(generator() % 2 ? 1.0f : -1.0f);
  return p;
}

// The authors' algorithm, literally: S dense m×n with r over all of it, Q, then per bit the
// product with the columns other than k.
std::vector<float> reference_update(const Problem& p) {
  int64_t n = p.n, m = p.m, c = p.bits;
  std::vector<double> s(m * n);
  double similar = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      s[i * n + j] = p.database_classes[p.sampled[i]] == p.database_classes[j];
      similar += s[i * n + j];
    }
  double r = similar / (static_cast<double>(m * n) - similar);
  for (double& value : s) value = value * (1 + r) - r;
  std::vector<double> q(n * c, 0.0);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t k = 0; k < c; ++k) {
      double total = 0;
      for (int64_t i = 0; i < m; ++i) total += s[i * n + j] * p.u[i * c + k];
      q[j * c + k] = -2.0 * c * total;
    }
  for (int64_t i = 0; i < m; ++i)
    for (int64_t k = 0; k < c; ++k) q[p.sampled[i] * c + k] -= 2.0 * p.gamma * p.u[i * c + k];
  std::vector<float> v = p.v;
  for (int64_t k = 0; k < c; ++k) {
    std::vector<double> weights(c, 0.0);  // U[:,¬k]ᵀ U[:,k]
    for (int64_t l = 0; l < c; ++l) {
      if (l == k) continue;
      for (int64_t i = 0; i < m; ++i) weights[l] += double(p.u[i * c + l]) * p.u[i * c + k];
    }
    for (int64_t j = 0; j < n; ++j) {
      double total = 0;
      for (int64_t l = 0; l < c; ++l)
        if (l != k) total += v[j * c + l] * weights[l];
      v[j * c + k] = (2 * total + q[j * c + k]) >= 0 ? -1.0f : 1.0f;
    }
  }
  return v;
}

hashing::AdshUpdateInput input_of(const Problem& p, int64_t block_rows) {
  Tensor classes = Tensor::from_vector(p.database_classes, {p.n});
  Tensor sampled = Tensor::from_vector(p.sampled, {p.m});
  Tensor labels = hashing::one_hot_labels(classes, p.classes);
  hashing::AdshUpdateInput input;
  input.relaxed_codes = Tensor::from_vector(p.u, {p.m, p.bits});
  input.sampled_indices = sampled;
  input.sampled_labels = ops::index_select(labels, 0, sampled);
  input.database_labels = labels;
  input.gamma = p.gamma;
  input.block_rows = block_rows;
  return input;
}

// ADSH's objective for V given U: ‖U Vᵀ − c S‖² + γ ‖V_Ω − U‖².
double objective(const Problem& p, const std::vector<float>& v) {
  double total = 0, similar = 0;
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j)
      similar += p.database_classes[p.sampled[i]] == p.database_classes[j];
  double r = similar / (static_cast<double>(p.m * p.n) - similar);
  for (int64_t i = 0; i < p.m; ++i) {
    for (int64_t j = 0; j < p.n; ++j) {
      double inner = 0;
      for (int64_t k = 0; k < p.bits; ++k) inner += double(p.u[i * p.bits + k]) * v[j * p.bits + k];
      double s = p.database_classes[p.sampled[i]] == p.database_classes[j] ? 1.0 : -r;
      total += (inner - p.bits * s) * (inner - p.bits * s);
    }
    for (int64_t k = 0; k < p.bits; ++k) {
      double d = v[p.sampled[i] * p.bits + k] - p.u[i * p.bits + k];
      total += p.gamma * d * d;
    }
  }
  return total;
}

class AdshCodeUpdate : public test::DeviceTest {};

// On the CPU bit for bit. On CUDA, Q and W come from GEMMs that sum in another order: a bit whose
// argument is within rounding of 0 may flip, and flip the later bits of its row, so a few rows'
// worth (1 in 200 of the bits) may differ.
TEST_P(AdshCodeUpdate, EqualsTheDirectAlgorithmForAnyBlockSize) {
  test::NumericMode strict(true);
  for (uint64_t seed : {1, 2, 3}) {
    Problem p = make_problem(seed);
    std::vector<float> expected = reference_update(p);
    for (int64_t block_rows : {int64_t(64), int64_t(1000)}) {
      Tensor codes = Tensor::from_vector(p.v, {p.n, p.bits}).to(device());
      hashing::adsh_update_codes(codes, input_of(p, block_rows));
      std::vector<float> actual = codes.to_vector<float>();
      int64_t differences = 0;
      for (size_t i = 0; i < actual.size(); ++i) differences += actual[i] != expected[i];
      const int64_t allowed = device() == Device::cpu ? 0 : codes.numel() / 200;
      EXPECT_LE(differences, allowed) << "seed " << seed << ", block " << block_rows;
    }
  }
}

TEST_P(AdshCodeUpdate, DoesNotIncreaseTheObjective) {
  test::NumericMode strict(true);
  Problem p = make_problem(4);
  Tensor codes = Tensor::from_vector(p.v, {p.n, p.bits}).to(device());
  hashing::adsh_update_codes(codes, input_of(p, 128));
  double before = objective(p, p.v), after = objective(p, codes.to_vector<float>());
  EXPECT_LT(after, before);
  // A second sweep from the updated codes cannot make it worse either.
  p.v = codes.to_vector<float>();
  hashing::adsh_update_codes(codes, input_of(p, 128));
  EXPECT_LE(objective(p, codes.to_vector<float>()), after + 1e-6 * after);
}

TEST(AdshCodeUpdateErrors, RejectsMismatchedShapesAndEmptyBlocks) {
  Problem p = make_problem(5);
  Tensor codes = Tensor::from_vector(p.v, {p.n, p.bits});
  hashing::AdshUpdateInput input = input_of(p, 64);
  input.relaxed_codes = Tensor::zeros({p.m, p.bits + 1});
  EXPECT_EQ(test::error_message([&] { hashing::adsh_update_codes(codes, input); }),
            "adsh_update_codes: relaxed codes f32[40, 13] cpu do not have the 12 bits of the "
            "database codes");
  // Blocks of no rows would never reach the end of the database.
  EXPECT_EQ(test::error_message([&] { hashing::adsh_update_codes(codes, input_of(p, 0)); }),
            "adsh_update_codes: block_rows must be at least 1, got 0");
}

HG_INSTANTIATE_DEVICE_TEST(AdshCodeUpdate);

TEST(Similarity, SharesAtLeastOneLabel) {
  Tensor a = Tensor::from_vector(std::vector<float>{1, 0, 1, 0, 1, 0}, {2, 3});
  Tensor b = Tensor::from_vector(std::vector<float>{0, 0, 1, 0, 1, 1, 1, 0, 0}, {3, 3});
  // a = {0, 2}, {1};  b = {2}, {1, 2}, {0}: a₀ shares a label with all three, a₁ only with b₁.
  Tensor s = hashing::similarity(a, b);
  EXPECT_EQ(s.to_vector<float>(), (std::vector<float>{1, 1, 1, 0, 1, 0}));
  EXPECT_DOUBLE_EQ(hashing::imbalance_ratio(s), 2.0);  // 4 similar, 2 dissimilar
  EXPECT_EQ(hashing::soft_similarity(s, 0.5).to_vector<float>(),
            (std::vector<float>{1, 1, 1, -0.5, 1, -0.5}));
}

class CudaAdshCodeUpdate : public test::DeviceTest {};

TEST_P(CudaAdshCodeUpdate, BitSweepMatchesCpuForSmallAndLargeCodes) {
  for (int64_t bits : {12, 48, 128}) {  // 128 > 64: W read from global memory, not shared
    Tensor codes = ops::sign(test::random_uniform({5000, bits}, 1));
    Tensor u = test::random_uniform({300, bits}, 2);
    Tensor gram = ops::matmul(ops::transpose(u, 0, 1), u);
    Tensor q = test::random_uniform({5000, bits}, 3, -50, 50);
    Tensor on_gpu = codes.to(Device::cuda);
    hashing::adsh_bit_sweep(codes, gram, q);
    hashing::adsh_bit_sweep(on_gpu, gram.to(Device::cuda), q.to(Device::cuda));
    std::vector<float> cpu = codes.to_vector<float>(), gpu = on_gpu.to_vector<float>();
    int64_t differences = 0;
    for (size_t i = 0; i < cpu.size(); ++i) differences += cpu[i] != gpu[i];
    // Sums in a different order can flip a bit whose argument is within rounding of 0.
    EXPECT_LE(differences, static_cast<int64_t>(cpu.size() / 10000)) << bits << " bits";
  }
}

TEST_P(CudaAdshCodeUpdate, FullUpdateMatchesCpu) {
  test::NumericMode strict(true);
  // 2,500 database rows in similarity blocks of 700 (the last one partial), 10 classes, every
  // 8th row sampled.
  const int64_t n = 2500, m = 300, bits = 24, classes = 10;
  std::vector<float> database_labels(n * classes, 0.0f), sampled_labels(m * classes, 0.0f);
  std::vector<int64_t> sampled(m);
  for (int64_t j = 0; j < n; ++j) database_labels[j * classes + (j * 7 + j / 3) % classes] = 1;
  for (int64_t i = 0; i < m; ++i) {
    sampled[i] = 8 * i;
    for (int64_t c = 0; c < classes; ++c)
      sampled_labels[i * classes + c] = database_labels[sampled[i] * classes + c];
  }
  hashing::AdshUpdateInput input;
  input.relaxed_codes = test::random_uniform({m, bits}, 11);
  input.sampled_indices = Tensor::from_vector(sampled, {m});
  input.sampled_labels = Tensor::from_vector(sampled_labels, {m, classes});
  input.database_labels = Tensor::from_vector(database_labels, {n, classes});
  input.block_rows = 700;
  Tensor codes = ops::sign(test::random_uniform({n, bits}, 12));
  Tensor on_gpu = codes.to(Device::cuda);
  hashing::adsh_update_codes(codes, input);
  hashing::adsh_update_codes(on_gpu, input);
  std::vector<float> cpu = codes.to_vector<float>(), gpu = on_gpu.to_vector<float>();
  int64_t differences = 0, not_a_code = 0;
  for (size_t i = 0; i < cpu.size(); ++i) {
    differences += cpu[i] != gpu[i];
    not_a_code += gpu[i] != 1.0f && gpu[i] != -1.0f;
  }
  EXPECT_EQ(not_a_code, 0);
  // Q and W come from GEMMs that sum in another order on the GPU; a flipped bit can flip the
  // later bits of its row, so allow a few rows' worth.
  EXPECT_LE(differences, static_cast<int64_t>(cpu.size() / 200));
}

HG_INSTANTIATE_CUDA_TEST(CudaAdshCodeUpdate);

}  // namespace
}  // namespace hg
