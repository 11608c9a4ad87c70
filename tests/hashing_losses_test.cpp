// The deep-hashing losses on tiny hand-computed cases (2 samples, 4 bits or fewer: every
// expected value is worked out in the comments from the paper's formula), gradchecks of every
// loss in f64, the class codes' construction, binarisation, and the errors a user sees.
// Comparisons against PyTorch, on every device: hashing_losses_fixture_test.cpp.
//
// Then the losses on CUDA against the CPU reference: the loss and every input's gradient, at
// training-like sizes (a batch of 64 codes of 48 bits, 10 classes, a database of 600), in f64
// (rtol 1e-9) and in strict f32 (rtol 1e-4: the losses are sums of up to ~40,000 terms, added in
// another order on the GPU). The losses are compositions of ops that have their own CUDA tests;
// this checks the compositions (views, broadcasts, constants made on the device) hold together
// on the GPU. Also the class codes and targets made on the device.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "autograd/ops.h"
#include "cuda/runtime.h"
#include "hashing/hash_head.h"
#include "hashing/losses.h"
#include "tensor/ops.h"
#include "tests/device_test.h"
#include "tests/numeric_mode.h"

namespace hg::hashing {
namespace {

using test::all_close;
using test::error_message;
using test::f64;

Tensor scalar(double value) { return Tensor::scalar(value, DType::f64); }

double log_cosh(double x) { return std::log(std::cosh(x)); }

// ---- hand-computed values -------------------------------------------------------------------

TEST(AdshLoss, MatchesHandComputedLossAndGradient) {
  // V rows v1 = (1,1,1,1), v2 = (1,−1,1,−1), v3 = −v1; u1 = ½·(1,1,1,1) is row 0 of V's
  // batch, u2 = (1,−1,0,0) row 1; c = 4, γ = 2, n = 3, b = 2.
  //   u1·V = (2, 0, −2), c·S_1 = (4, −2, −2): residual (−2, 2, 0), squares 8
  //   u2·V = (0, 2, 0),  c·S_2 = (−2, 4, −2): residual (2, −2, 2), squares 12
  //   ‖v1 − u1‖² = 1, ‖v2 − u2‖² = ‖(0,0,1,−1)‖² = 2, γ·3 = 6
  //   J = (8 + 12 + 6) / (3·2) = 13/3
  Tensor codes = f64({0.5, 0.5, 0.5, 0.5, 1, -1, 0, 0}, {2, 4}).set_requires_grad(true);
  Tensor database = f64({1, 1, 1, 1, 1, -1, 1, -1, -1, -1, -1, -1}, {3, 4});
  Tensor similarity = f64({1, -0.5, -0.5, -0.5, 1, -0.5}, {2, 3});
  Tensor indices = Tensor::from_vector<int64_t>({0, 1}, {2});
  Tensor loss = adsh_loss(codes, database, similarity, indices, 2);
  EXPECT_NEAR(loss.item<double>(), 13.0 / 3, 1e-12);
  // ∂J/∂u1 = (2·Σ_j r_1j v_j − 2γ(v1 − u1)) / 6 = (2·(−2v1 + 2v2) − 4·½) / 6
  //        = ((0,−8,0,−8) − 2) / 6 = (−1/3, −5/3, −1/3, −5/3)
  // ∂J/∂u2 = (2·(2v1 − 2v2 + 2v3) − 4·(0,0,1,−1)) / 6 = ((−4,4,−4,4) − (0,0,4,−4)) / 6
  backward(loss);
  Tensor expected =
      f64({-1.0 / 3, -5.0 / 3, -1.0 / 3, -5.0 / 3, -4.0 / 6, 4.0 / 6, -8.0 / 6, 8.0 / 6}, {2, 4});
  EXPECT_TRUE(all_close(codes.grad(), expected, 1e-12, 1e-12));
}

TEST(PairwiseLikelihoodLoss, MatchesHandComputedValues) {
  // u1 = (1,1,1,1), u2 = (1,−1,1,−1): Θ = ½ uᵀu = [[2, 0], [0, 2]], S = I.
  // Θ = 2, s = 1: log(1 + e^2) − 2 = log(1 + e^−2);  Θ = 0, s = 0: log 2.
  Tensor codes = f64({1, 1, 1, 1, 1, -1, 1, -1}, {2, 4});
  Tensor identity = f64({1, 0, 0, 1}, {2, 2});
  double expected = (2 * std::log1p(std::exp(-2.0)) + 2 * std::log(2.0)) / 4;
  EXPECT_NEAR(pairwise_likelihood_loss(codes, identity).item<double>(), expected, 1e-12);
  EXPECT_NEAR(pairwise_likelihood_loss(codes, codes, identity).item<double>(), expected, 1e-12);
}

TEST(PairwiseLikelihoodLoss, IsStableForHugeInnerProducts) {
  // Θ = ½·4·100² = 20000: e^Θ overflows even f64. s = 1 costs 0, s = 0 costs Θ.
  Tensor codes = Tensor::full({1, 4}, 100, DType::f64).set_requires_grad(true);
  EXPECT_NEAR(pairwise_likelihood_loss(codes, f64({1}, {1, 1})).item<double>(), 0, 1e-12);
  Tensor loss = pairwise_likelihood_loss(codes, f64({0}, {1, 1}));
  EXPECT_NEAR(loss.item<double>(), 20000, 1e-9);
  backward(loss);  // ∂Θ/∂u = u on both sides of the self-pair: 2·½·u = 100 per element
  EXPECT_TRUE(all_close(codes.grad(), Tensor::full({1, 4}, 100, DType::f64), 1e-12));
}

TEST(BinaryCrossEntropy, WithLogitsMatchesHandComputedValuesAndIsStable) {
  // x = 0, t = 1: log 2;  x = 2, t = 0: 2 + log(1 + e^−2);  x = ∓1000 on the right side: 0.
  Tensor logits = f64({0, 2, -1000, 1000}, {2, 2});
  Tensor targets = f64({1, 0, 0, 1}, {2, 2});
  double expected = (std::log(2.0) + 2 + std::log1p(std::exp(-2.0))) / 4;
  EXPECT_NEAR(binary_cross_entropy_with_logits(logits, targets).item<double>(), expected, 1e-12);
}

TEST(BinaryCrossEntropy, OnProbabilitiesMatchesHandComputedValues) {
  // p = ½, t = 1: −log ½;  p = ¼, t = 0: −log ¾.
  Tensor loss = binary_cross_entropy(f64({0.5, 0.25}, {2}), f64({1, 0}, {2}));
  EXPECT_NEAR(loss.item<double>(), (std::log(2.0) - std::log(0.75)) / 2, 1e-12);
  // A saturated wrong bit: finite loss −log 1e-12 and a zero (not NaN) gradient.
  Tensor saturated = f64({0}, {1}).set_requires_grad(true);
  Tensor wrong = binary_cross_entropy(saturated, f64({1}, {1}));
  EXPECT_NEAR(wrong.item<double>(), -std::log(1e-12), 1e-9);
  backward(wrong);
  EXPECT_EQ(saturated.grad().item<double>(), 0);
}

TEST(CosineMarginLoss, MatchesHandComputedValues) {
  // o1 = (1,1,1,1), o2 = (1,−1,1,−1); s = 8, m = 0.2.
  // u1 = (1,1,1,1), class 0: cos = (1, 0), logits (8·0.8, 0): CE = log(1 + e^−6.4).
  // u2 = (2,0,2,0), class 1: cos = (1/√2, 1/√2), logits 8·(1/√2, 1/√2 − 0.2): CE = log(1 + e^1.6).
  Tensor class_codes = f64({1, 1, 1, 1, 1, -1, 1, -1}, {2, 4});
  Tensor codes = f64({1, 1, 1, 1, 2, 0, 2, 0}, {2, 4});
  Tensor labels = f64({1, 0, 0, 1}, {2, 2});
  double expected = (std::log1p(std::exp(-6.4)) + std::log1p(std::exp(1.6))) / 2;
  EXPECT_NEAR(cosine_margin_loss(codes, labels, class_codes).item<double>(), expected, 1e-12);
  // Multi-label: BCE with logits of the same margin logits, every class its own question:
  // sample 1 logits (6.4, 0), targets (1, 0); sample 2 logits (8/√2, 8/√2 − 1.6), targets (0, 1).
  double a = 8 / std::sqrt(2.0);
  double softplus_sum = std::log1p(std::exp(-6.4)) + std::log(2.0) +
                        (a + std::log1p(std::exp(-a))) + std::log1p(std::exp(-(a - 1.6)));
  EXPECT_NEAR(cosine_margin_loss(codes, labels, class_codes, 8, 0.2, true).item<double>(),
              softplus_sum / 4, 1e-12);
}

TEST(PolarizationLoss, MatchesHandComputedValues) {
  // t = (1, −1, −1, 1): u·t = (0.5, 2, −1.5, 0) → max(1 − u·t, 0) = (0.5, 0, 2.5, 1), mean 1.
  Tensor codes = f64({0.5, -2, 1.5, 0}, {1, 4}).set_requires_grad(true);
  Tensor targets = f64({1, -1, -1, 1}, {1, 4});
  Tensor loss = polarization_loss(codes, targets);
  EXPECT_NEAR(loss.item<double>(), 1, 1e-12);
  backward(loss);  // −t/4 where the hinge is active, 0 where u·t ≥ m
  EXPECT_TRUE(all_close(codes.grad(), f64({-0.25, 0, 0.25, -0.25}, {1, 4}), 1e-12));
}

TEST(CentralSimilarityLoss, MatchesHandComputedValues) {
  // u = (0, ½), centre (1, −1): BCE of p = (½, ¾) against (1, 0) = (log 2 + log 4)/2;
  // quantization log cosh(|u| − 1) = (log cosh 1 + log cosh ½)/2, λ = 1.
  Tensor codes = f64({0, 0.5}, {1, 2});
  Tensor centres = f64({1, -1}, {1, 2});
  double expected = (std::log(2.0) + std::log(4.0)) / 2 + (log_cosh(1) + log_cosh(0.5)) / 2;
  EXPECT_NEAR(central_similarity_loss(codes, centres, 1).item<double>(), expected, 1e-12);
}

TEST(ProxyAnchorLoss, MatchesHandComputedValues) {
  // u1 = (1,0), u2 = (0,1), both class 0; P1 = (1,0), P2 = (0,2) (not unit: cos normalises).
  // cos: s(u1,P1) = 1, s(u2,P1) = 0, s(u1,P2) = 0, s(u2,P2) = 1. α = 32, δ = 0.1.
  // P⁺ = {P1}:  log(1 + e^{−32·0.9} + e^{32·0.1}) / 1
  // P1 has no negatives (log 1 = 0), P2 has both: log(1 + e^{32·0.1} + e^{32·1.1}) / 2
  Tensor codes = f64({1, 0, 0, 1}, {2, 2});
  Tensor proxies = f64({1, 0, 0, 2}, {2, 2});
  Tensor labels = f64({1, 0, 1, 0}, {2, 2});
  double expected = std::log(1 + std::exp(-28.8) + std::exp(3.2)) +
                    std::log(1 + std::exp(3.2) + std::exp(35.2)) / 2;
  EXPECT_NEAR(proxy_anchor_loss(codes, labels, proxies).item<double>(), expected, 1e-10);
}

TEST(QuantizationLoss, MatchesHandComputedValuesAndHoldsTheSignConstant) {
  // u = (0.5, −2, 1, 0), |u| − 1 = (−0.5, 1, 0, −1); sign(0) = 0 as in torch.
  Tensor codes = f64({0.5, -2, 1, 0}, {1, 4}).set_requires_grad(true);
  Tensor loss = sign_quantization_loss(codes);
  EXPECT_NEAR(loss.item<double>(), (0.25 + 1 + 0 + 0) / 4, 1e-12);  // (u − sign u)²
  // b = sign(u) is a constant: ∂/∂u = 2(u − b)/4. (A straight-through sign would give 0.)
  backward(loss);
  EXPECT_TRUE(all_close(codes.grad(), f64({-0.25, -0.5, 0, 0}, {1, 4}), 1e-12));
  EXPECT_NEAR(cubic_quantization_loss(codes).item<double>(), (0.125 + 1 + 0 + 1) / 4, 1e-12);
  EXPECT_NEAR(log_cosh_quantization_loss(codes).item<double>(),
              (log_cosh(0.5) + log_cosh(1) + 0 + log_cosh(1)) / 4, 1e-12);
  // Large |u|: log cosh stays finite where cosh would overflow (log cosh x ≈ x − log 2).
  EXPECT_NEAR(log_cosh_quantization_loss(f64({1001}, {1, 1})).item<double>(), 1000 - std::log(2.0),
              1e-9);
}

TEST(BitBalanceLoss, MatchesHandComputedValues) {
  // Row means −0.125 and 0.5: mean of squares (0.015625 + 0.25) / 2.
  Tensor codes = f64({0.5, -2, 1, 0, 1, 1, -1, 1}, {2, 4});
  EXPECT_NEAR(bit_balance_loss(codes).item<double>(), (0.015625 + 0.25) / 2, 1e-12);
}

// ---- gradchecks ------------------------------------------------------------------------------

using Loss = std::function<Tensor(const std::vector<Tensor>&)>;

void expect_gradcheck(const std::string& what, const Loss& loss, std::vector<Tensor> inputs) {
  for (Tensor& input : inputs)
    if (is_floating(input.dtype())) input.set_requires_grad(true);
  GradcheckResult result = gradcheck(loss, inputs);
  EXPECT_TRUE(result.passed) << what << ": " << result.report;
}

Tensor random_codes(int64_t rows, int64_t bits, uint64_t seed, double bound = 0.95) {
  return test::random_uniform({rows, bits}, seed, -bound, bound, DType::f64);
}

Tensor random_labels(int64_t rows, int64_t classes, uint64_t seed) {
  return ops::binary(BinaryOp::lt, test::random_uniform({rows, classes}, seed, 0, 1, DType::f64),
                     scalar(0.4));
}

TEST(HashingLossesGradcheck, PairwiseAndAsymmetricLosses) {
  Tensor database = ops::sign(test::random_uniform({7, 6}, 2, -1, 1, DType::f64));
  Tensor soft = test::random_uniform({4, 7}, 3, -0.5, 1, DType::f64);
  Tensor indices = Tensor::from_vector<int64_t>({6, 0, 3, 3}, {4});
  expect_gradcheck(
      "adsh_loss",
      [&](const std::vector<Tensor>& in) { return adsh_loss(in[0], database, soft, indices, 5); },
      {random_codes(4, 6, 1)});
  Tensor bank = random_codes(7, 6, 4);
  Tensor similar_to_bank = random_labels(4, 7, 5);
  Tensor similar_in_batch = random_labels(4, 4, 6);
  // The bank as an input too: the gradient reaches it when it is not detached.
  expect_gradcheck("pairwise_likelihood_loss with a bank",
                   [&](const std::vector<Tensor>& in) {
                     return pairwise_likelihood_loss(in[0] * 3.0, in[1] * 3.0, similar_to_bank);
                   },
                   {random_codes(4, 6, 7), bank});
  expect_gradcheck("pairwise_likelihood_loss within the batch",
                   [&](const std::vector<Tensor>& in) {
                     return pairwise_likelihood_loss(in[0] * 3.0, similar_in_batch);
                   },
                   {random_codes(4, 6, 8)});
}

TEST(HashingLossesGradcheck, PointwiseLosses) {
  Tensor labels = random_labels(5, 3, 10);
  Tensor one_hot =
      ops::one_hot(Tensor::from_vector<int64_t>({2, 0, 1, 1, 0}, {5}), 3).to(DType::f64);
  Tensor class_codes = hashing::class_codes(3, 8, 11, DType::f64);
  expect_gradcheck("binary_cross_entropy_with_logits",
                   [&](const std::vector<Tensor>& in) {
                     return binary_cross_entropy_with_logits(in[0], labels);
                   },
                   {test::random_uniform({5, 3}, 12, -4, 4, DType::f64)});
  expect_gradcheck(
      "binary_cross_entropy",
      [&](const std::vector<Tensor>& in) { return binary_cross_entropy(in[0], labels); },
      {test::random_uniform({5, 3}, 13, 0.05, 0.95, DType::f64)});
  for (bool multi_label : {false, true})
    expect_gradcheck(multi_label ? "cosine_margin_loss multi-label" : "cosine_margin_loss",
                     [&](const std::vector<Tensor>& in) {
                       return cosine_margin_loss(in[0], multi_label ? labels : one_hot, class_codes,
                                                 8, 0.2, multi_label);
                     },
                     {random_codes(5, 8, 14)});
  Tensor targets = label_targets(one_hot, class_codes, 15);
  expect_gradcheck("polarization_loss",
                   [&](const std::vector<Tensor>& in) { return polarization_loss(in[0], targets); },
                   {test::random_uniform({5, 8}, 16, -2, 2, DType::f64)});
  expect_gradcheck(
      "central_similarity_loss",
      [&](const std::vector<Tensor>& in) { return central_similarity_loss(in[0], targets, 0.5); },
      {random_codes(5, 8, 17)});
  expect_gradcheck(
      "proxy_anchor_loss",
      [&](const std::vector<Tensor>& in) { return proxy_anchor_loss(in[0], labels, in[1], 4); },
      {random_codes(5, 8, 18), test::random_uniform({3, 8}, 19, -1, 1, DType::f64)});
}

TEST(HashingLossesGradcheck, QuantizationAndBalanceTerms) {
  Tensor codes = test::random_uniform({4, 6}, 20, -2, 2, DType::f64);
  for (auto& [name, term] : std::vector<std::pair<std::string, Tensor (*)(const Tensor&)>>{
           {"sign_quantization_loss", sign_quantization_loss},
           {"cubic_quantization_loss", cubic_quantization_loss},
           {"log_cosh_quantization_loss", log_cosh_quantization_loss},
           {"bit_balance_loss", bit_balance_loss}})
    expect_gradcheck(name, [term = term](const std::vector<Tensor>& in) { return term(in[0]); },
                     {codes});
}

// ---- class codes, targets, binarisation -------------------------------------------------------

Tensor identity(int64_t size, double scale) {
  std::vector<double> values(static_cast<size_t>(size * size), 0);
  for (int64_t i = 0; i < size; ++i) values[i * size + i] = scale;
  return f64(values, {size, size});
}

// Rows of a ±1 matrix, as strings of + and − (to compare rows and count −1s).
std::vector<std::string> rows_of(const Tensor& codes) {
  std::vector<double> values = codes.to(DType::f64).to_vector<double>();
  int64_t bits = codes.size(1);
  std::vector<std::string> rows(static_cast<size_t>(codes.size(0)));
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_TRUE(values[i] == 1 || values[i] == -1) << "value " << values[i] << " is not ±1";
    rows[i / bits] += values[i] > 0 ? '+' : '-';
  }
  return rows;
}

int64_t minus_count(const std::string& row) { return std::count(row.begin(), row.end(), '-'); }

TEST(ClassCodes, HadamardIsSylvestersMatrix) {
  EXPECT_TRUE(all_close(
      hadamard(4),
      Tensor::from_vector<float>({1, 1, 1, 1, 1, -1, 1, -1, 1, 1, -1, -1, 1, -1, -1, 1}, {4, 4}), 0,
      0));
  Tensor h = hadamard(32, DType::f64);  // H Hᵀ = 32 I: the rows are orthogonal
  EXPECT_TRUE(all_close(ops::matmul(h, ops::transpose(h, 0, 1)), identity(32, 32), 0, 0));
  EXPECT_NE(error_message([] { hadamard(12); }).find("not a power of two"), std::string::npos);
}

TEST(ClassCodes, UseHadamardRowsThenBalancedRandomRows) {
  // 20 classes of 8 bits: the 16 rows of [H; −H], then 4 random rows with four −1s each.
  Tensor codes = class_codes(20, 8, 3);
  Tensor h = hadamard(8);
  EXPECT_TRUE(all_close(ops::narrow(codes, 0, 0, 8), h, 0, 0));
  EXPECT_TRUE(all_close(ops::narrow(codes, 0, 8, 8), ops::neg(h), 0, 0));
  std::vector<std::string> rows = rows_of(codes);
  for (int64_t i = 16; i < 20; ++i) EXPECT_EQ(minus_count(rows[i]), 4) << rows[i];
  // 12 bits is not a power of two: every row random, six −1s each, and not all alike.
  std::vector<std::string> random_rows = rows_of(class_codes(10, 12, 3));
  for (const std::string& row : random_rows) EXPECT_EQ(minus_count(row), 6) << row;
  EXPECT_GT(std::set<std::string>(random_rows.begin(), random_rows.end()).size(), 1u);
}

TEST(ClassCodes, RandomCodesAreSeeded) {
  Tensor a = random_balanced_codes(6, 7, 42), b = random_balanced_codes(6, 7, 42);
  EXPECT_TRUE(all_close(a, b, 0, 0));
  for (const std::string& row : rows_of(a)) EXPECT_EQ(minus_count(row), 3) << row;
  EXPECT_FALSE(all_close(a, random_balanced_codes(6, 7, 43), 0, 0));
  EXPECT_EQ(random_balanced_codes(2, 5, 1, DType::f64, Device::cpu).dtype(), DType::f64);
}

TEST(LabelTargets, AreTheClassCodeOrTheSignOfTheSumWithTiesFilledOnce) {
  // Codes of 4 bits: o0 = (+,+,+,+), o1 = (+,−,+,−), o2 = (+,+,−,−).
  Tensor codes = ops::narrow(hadamard(4, DType::f64), 0, 0, 3);
  // Rows: class 1 alone; classes 0 and 1 (sum (2,0,2,0): bits 1 and 3 tie); classes 0, 1 and 2
  // (sum (3,1,1,−1): no tie); classes 0 and 1 again.
  Tensor labels = f64({0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0}, {4, 3});
  std::vector<std::string> rows = rows_of(label_targets(labels, codes, 9));
  EXPECT_EQ(rows[0], "+-+-");
  EXPECT_EQ(rows[2], "+++-");
  EXPECT_EQ(rows[1][0], '+');
  EXPECT_EQ(rows[1][2], '+');
  EXPECT_EQ(rows[3], rows[1]);  // one label set, one target
  std::vector<std::string> again = rows_of(label_targets(labels, codes, 9));
  EXPECT_EQ(again, rows);
}

TEST(Binarize, ThresholdsAtZeroForTanhAndAtOneHalfForSigmoid) {
  Tensor tanh_codes = Tensor::from_vector<float>({-0.3f, 0, 0.7f, -1e-7f}, {2, 2});
  EXPECT_TRUE(all_close(binarize(tanh_codes, HashActivation::tanh),
                        Tensor::from_vector<float>({-1, 1, 1, -1}, {2, 2}), 0, 0));
  Tensor sigmoid_codes = Tensor::from_vector<float>({0.2f, 0.5f, 0.9f, 0.4999f}, {2, 2});
  EXPECT_TRUE(all_close(binarize(sigmoid_codes, HashActivation::sigmoid),
                        Tensor::from_vector<float>({-1, 1, 1, -1}, {2, 2}), 0, 0));
}

TEST(HashHead, HasTorchLinearParametersAndRange) {
  manual_seed(5);
  HashHead head(9, 16, HashActivation::sigmoid);
  std::vector<std::pair<std::string, Tensor>> parameters = head.named_parameters();
  ASSERT_EQ(parameters.size(), 2u);
  EXPECT_EQ(parameters[0].first, "weight");
  EXPECT_EQ(parameters[0].second.shape(), (Shape{16, 9}));
  EXPECT_EQ(parameters[1].first, "bias");
  EXPECT_EQ(parameters[1].second.shape(), (Shape{16}));
  for (const auto& [name, parameter] : parameters) {  // U(−1/3, 1/3) for in = 9
    EXPECT_LE(ops::max(ops::unary(UnaryOp::abs, parameter)).item<float>(), 1.0f / 3) << name;
    EXPECT_GT(ops::max(ops::unary(UnaryOp::abs, parameter)).item<float>(), 0.2f) << name;
  }
  Tensor u = head(test::random_uniform({3, 4, 9}, 1, -5, 5));
  EXPECT_EQ(u.shape(), (Shape{3, 4, 16}));
  EXPECT_GT(ops::min(u).item<float>(), 0.0f);  // sigmoid: (0, 1)
  EXPECT_LT(ops::max(u).item<float>(), 1.0f);
  EXPECT_NE(error_message([&] {
              head(Tensor::zeros({2, 8}));
            }).find("must end in 9"),
            std::string::npos);
}

// ---- errors ----------------------------------------------------------------------------------

TEST(HashingLossesErrors, NameTheArgumentAndItsShape) {
  Tensor codes = Tensor::zeros({2, 4});
  std::string wrong_similarity = error_message([&] {
    adsh_loss(codes, Tensor::zeros({3, 4}), Tensor::zeros({2, 2}),
              Tensor::from_vector<int64_t>({0, 1}, {2}));
  });
  EXPECT_NE(wrong_similarity.find("similarity S f32[2, 2] cpu must be [2, 3]"), std::string::npos)
      << wrong_similarity;
  std::string wrong_indices = error_message([&] {
    adsh_loss(codes, Tensor::zeros({3, 4}), Tensor::zeros({2, 3}), Tensor::zeros({2}));
  });
  EXPECT_NE(wrong_indices.find("must be i64 [2]"), std::string::npos) << wrong_indices;
  std::string multi_hot = error_message([&] {
    cosine_margin_loss(codes, Tensor::ones({2, 2}), Tensor::ones({2, 4}));
  });
  EXPECT_NE(multi_hot.find("multi_label = true"), std::string::npos) << multi_hot;
  std::string dtypes = error_message([&] {
    polarization_loss(codes, Tensor::ones({2, 4}, DType::f64));
  });
  EXPECT_NE(dtypes.find("dtypes differ"), std::string::npos) << dtypes;
  std::string not_codes = error_message([&] { bit_balance_loss(Tensor::zeros({4})); });
  EXPECT_NE(not_codes.find("bit_balance_loss: codes must be"), std::string::npos) << not_codes;
}

// The losses on CUDA against the CPU at training-like sizes.
class CudaHashingLosses : public test::DeviceTest {};

using DeviceLoss = std::function<Tensor(const std::vector<Tensor>& inputs, Device device)>;

// Runs `loss` on CPU and CUDA copies of `inputs` (each requiring a gradient) in `dtype`, and
// compares the loss and every input's gradient.
void expect_devices_agree(const std::string& what, const DeviceLoss& loss,
                          const std::vector<Tensor>& inputs) {
  test::NumericMode strict(true);
  for (DType dtype : {DType::f64, DType::f32}) {
    // In f32 a gradient element that is a sum of hundreds of terms (ADSH's over the database
    // codes) and cancels to near 0 keeps an error of ~3e-8: the absolute floor is 1e-6.
    const double rtol = dtype == DType::f64 ? 1e-9 : 1e-4, atol = dtype == DType::f64 ? 1e-7 : 1e-6;
    std::vector<Tensor> cpu_inputs, gpu_inputs;
    for (const Tensor& input : inputs) {
      cpu_inputs.push_back(input.to(dtype).set_requires_grad(true));
      gpu_inputs.push_back(input.to(dtype).to(Device::cuda).set_requires_grad(true));
    }
    Tensor cpu_loss = loss(cpu_inputs, Device::cpu), gpu_loss = loss(gpu_inputs, Device::cuda);
    EXPECT_TRUE(gpu_loss.is_cuda()) << what;
    EXPECT_TRUE(test::all_close(gpu_loss, cpu_loss, rtol, atol))
        << what << " " << dtype_name(dtype);
    backward(cpu_loss);
    backward(gpu_loss);
    for (size_t i = 0; i < inputs.size(); ++i)
      EXPECT_TRUE(test::all_close(gpu_inputs[i].grad(), cpu_inputs[i].grad(), rtol, atol))
          << what << " " << dtype_name(dtype) << ": gradient of input " << i;
  }
}

// A constant operand on `device` in the dtype of `like`.
Tensor on(const Tensor& constant, const Tensor& like) {
  return constant.to(like.dtype()).to(like.device());
}

constexpr int64_t batch = 64, bits = 48, classes = 10, database = 600;

Tensor codes() { return test::random_uniform({batch, bits}, 1, -0.95, 0.95, DType::f64); }

Tensor multi_hot(int64_t rows, uint64_t seed) {
  Tensor draws = test::random_uniform({rows, classes}, seed, 0, 1, DType::f64);
  return ops::binary(BinaryOp::lt, draws, Tensor::scalar(0.2, DType::f64));
}

Tensor one_hot(int64_t rows, uint64_t seed) {
  Tensor draws = test::random_uniform({rows, classes}, seed, 0, 1, DType::f64);
  return ops::one_hot(ops::argmax(draws, 1), classes).to(DType::f64);
}

TEST_P(CudaHashingLosses, AdshMatchesCpu) {
  Tensor database_codes = ops::sign(test::random_uniform({database, bits}, 2, -1, 1, DType::f64));
  Tensor similarity = test::random_uniform({batch, database}, 3, -0.3, 1, DType::f64);
  Tensor indices = ops::narrow(ops::randperm(database), 0, 0, batch);
  expect_devices_agree("adsh_loss",
                       [&](const std::vector<Tensor>& in, Device device) {
                         return adsh_loss(in[0], on(database_codes, in[0]), on(similarity, in[0]),
                                          indices.to(device), 200);
                       },
                       {codes()});
}

TEST_P(CudaHashingLosses, PairwiseLikelihoodMatchesCpu) {
  Tensor labels = multi_hot(batch, 4), bank_labels = multi_hot(database, 5);
  Tensor bank = test::random_uniform({database, bits}, 6, -1, 1, DType::f64);
  Tensor to_bank = ops::binary(BinaryOp::gt, ops::matmul(labels, ops::transpose(bank_labels, 0, 1)),
                               Tensor::scalar(0, DType::f64));
  Tensor in_batch = ops::binary(BinaryOp::gt, ops::matmul(labels, ops::transpose(labels, 0, 1)),
                                Tensor::scalar(0, DType::f64));
  expect_devices_agree("pairwise_likelihood_loss with a bank",
                       [&](const std::vector<Tensor>& in, Device) {
                         return pairwise_likelihood_loss(in[0], on(bank, in[0]),
                                                         on(to_bank, in[0])) +
                                0.1 * sign_quantization_loss(in[0]);
                       },
                       {codes()});
  expect_devices_agree("pairwise_likelihood_loss within the batch",
                       [&](const std::vector<Tensor>& in, Device) {
                         return pairwise_likelihood_loss(in[0], on(in_batch, in[0])) +
                                bit_balance_loss(in[0]);
                       },
                       {codes()});
}

TEST_P(CudaHashingLosses, PointwiseLossesMatchCpu) {
  Tensor single = one_hot(batch, 7), multi = multi_hot(batch, 8);
  Tensor codebook = class_codes(classes, bits, 9, DType::f64);
  for (bool multi_label : {false, true})
    expect_devices_agree(multi_label ? "cosine_margin_loss multi-label" : "cosine_margin_loss",
                         [&](const std::vector<Tensor>& in, Device) {
                           return cosine_margin_loss(in[0], on(multi_label ? multi : single, in[0]),
                                                     on(codebook, in[0]), 8, 0.2, multi_label);
                         },
                         {codes()});
  expect_devices_agree("central_similarity_loss + polarization_loss",
                       [&](const std::vector<Tensor>& in, Device) {
                         Tensor centres = label_targets(on(multi, in[0]), on(codebook, in[0]), 10);
                         return central_similarity_loss(in[0], centres, 0.5) +
                                polarization_loss(in[0], centres) + cubic_quantization_loss(in[0]);
                       },
                       {codes()});
  expect_devices_agree("proxy_anchor_loss",
                       [&](const std::vector<Tensor>& in, Device) {
                         return proxy_anchor_loss(in[0], on(multi, in[0]), in[1]);
                       },
                       {codes(), test::random_uniform({classes, bits}, 11, -1, 1, DType::f64)});
  expect_devices_agree("binary_cross_entropy_with_logits",
                       [&](const std::vector<Tensor>& in, Device) {
                         return binary_cross_entropy_with_logits(in[0], on(multi, in[0]));
                       },
                       {test::random_uniform({batch, classes}, 12, -6, 6, DType::f64)});
}

TEST_P(CudaHashingLosses, CodesTargetsAndBinarisationMatchCpu) {
  Tensor codebook = class_codes(classes, bits, 13);
  EXPECT_TRUE(
      test::all_close(class_codes(classes, bits, 13, DType::f32, Device::cuda), codebook, 0, 0));
  Tensor labels = multi_hot(batch, 14).to(DType::f32);
  EXPECT_TRUE(test::all_close(label_targets(labels.to(Device::cuda), codebook.to(Device::cuda), 15),
                              label_targets(labels, codebook, 15), 0, 0));
  Tensor relaxed = test::random_uniform({batch, bits}, 16, -1, 1);
  for (HashActivation activation : {HashActivation::tanh, HashActivation::sigmoid})
    EXPECT_TRUE(test::all_close(binarize(relaxed.to(Device::cuda), activation),
                                binarize(relaxed, activation), 0, 0))
        << hash_activation_name(activation);
}

HG_INSTANTIATE_CUDA_TEST(CudaHashingLosses);

}  // namespace
}  // namespace hg::hashing
