// The deep-hashing losses and the hash head against PyTorch (tests/fixtures/fixtures_losses.py):
// each loss written there as its authors' code writes it (ADSH_pytorch, DeepHash-pytorch,
// OrthoHash, Proxy-Anchor's code, torch.nn.functional), on the same f64 inputs; the loss and
// its gradient must agree to 1e-10, on every device. A batch of 5 codes of 8 bits, 4 classes, a
// database of 12.
#include <gtest/gtest.h>

#include <functional>

#include "autograd/ops.h"
#include "hashing/hash_head.h"
#include "hashing/losses.h"
#include "tensor/ops.h"
#include "tests/device_test.h"

namespace hg::hashing {
namespace {

const test::Fixture& fixture() {
  static const test::Fixture loaded = test::load_fixture("hashing_losses");
  return loaded;
}

const Tensor& entry(const std::string& name) { return test::entry(fixture(), name); }

class HashingLossesFixture : public test::DeviceTest {
 protected:
  // The fixture's tensor `name` on device().
  Tensor at(const std::string& name) const { return entry(name).to(device()); }

  // Evaluates `loss` on fresh copies of the named fixture inputs on device() (gradients on), and
  // compares the loss with "<prefix>.loss" and each input's gradient with
  // "<prefix>.grad_<short name>".
  void expect_matches_torch(const std::string& prefix,
                            const std::vector<std::pair<std::string, std::string>>& inputs,
                            const std::function<Tensor(const std::vector<Tensor>&)>& loss) const;
};

void HashingLossesFixture::expect_matches_torch(
    const std::string& prefix, const std::vector<std::pair<std::string, std::string>>& inputs,
    const std::function<Tensor(const std::vector<Tensor>&)>& loss) const {
  std::vector<Tensor> leaves;
  for (const auto& [fixture_name, short_name] : inputs)
    leaves.push_back(entry(fixture_name).clone().to(device()).set_requires_grad(true));
  Tensor value = loss(leaves);
  EXPECT_TRUE(test::all_close(value, entry(prefix + ".loss"), 1e-10, 1e-12)) << prefix << ": loss";
  backward(value);
  for (size_t i = 0; i < inputs.size(); ++i)
    EXPECT_TRUE(test::all_close(leaves[i].grad(), entry(prefix + ".grad_" + inputs[i].second),
                                1e-10, 1e-12))
        << prefix << ": gradient of " << inputs[i].second;
}

const std::vector<std::pair<std::string, std::string>> batch_codes = {{"codes", "u"}};

TEST_P(HashingLossesFixture, AdshMatchesTheAuthorsCode) {
  expect_matches_torch("adsh", batch_codes, [&](const std::vector<Tensor>& in) {
    return adsh_loss(in[0], at("adsh.database_codes"), at("adsh.similarity"), at("adsh.indices"),
                     200);
  });
}

TEST_P(HashingLossesFixture, PairwiseLikelihoodMatchesDeepHashPytorch) {
  expect_matches_torch("dpsh_bank", batch_codes, [&](const std::vector<Tensor>& in) {
    return pairwise_likelihood_loss(in[0], at("dpsh.bank"), at("dpsh.bank_similarity"));
  });
  expect_matches_torch("dpsh_batch", batch_codes, [&](const std::vector<Tensor>& in) {
    return pairwise_likelihood_loss(in[0], at("dpsh.batch_similarity"));
  });
}

TEST_P(HashingLossesFixture, BinaryCrossEntropiesMatchTorch) {
  expect_matches_torch("bce_logits", {{"bce_logits.logits", "logits"}},
                       [&](const std::vector<Tensor>& in) {
                         return binary_cross_entropy_with_logits(in[0], at("multi_hot"));
                       });
  expect_matches_torch(
      "bce", {{"bce.probabilities", "probabilities"}},
      [&](const std::vector<Tensor>& in) { return binary_cross_entropy(in[0], at("multi_hot")); });
}

TEST_P(HashingLossesFixture, CosineMarginMatchesOrthoHash) {
  // The class codes hashgrad makes for 4 classes of 8 bits are the fixture's rows of H_8.
  Tensor class_codes = hashing::class_codes(4, 8, 1, DType::f64, device());
  EXPECT_TRUE(test::all_close(class_codes, at("class_codes_4x8"), 0, 0));
  expect_matches_torch("cosine_margin", batch_codes, [&](const std::vector<Tensor>& in) {
    return cosine_margin_loss(in[0], at("one_hot"), class_codes);
  });
  expect_matches_torch("cosine_margin_multi", batch_codes, [&](const std::vector<Tensor>& in) {
    return cosine_margin_loss(in[0], at("multi_hot"), class_codes, 8, 0.2, true);
  });
}

TEST_P(HashingLossesFixture, PolarizationMatchesDpn) {
  expect_matches_torch("polarization", {{"polarization.codes", "u"}},
                       [&](const std::vector<Tensor>& in) {
                         return polarization_loss(in[0], at("polarization.targets"));
                       });
}

TEST_P(HashingLossesFixture, CentralSimilarityMatchesCsq) {
  // Single-label centres are the class codes of the labels.
  Tensor centres = label_targets(at("one_hot"), at("class_codes_4x8"), 1);
  EXPECT_TRUE(test::all_close(centres, at("csq.centres"), 0, 0));
  expect_matches_torch("csq", batch_codes, [&](const std::vector<Tensor>& in) {
    return central_similarity_loss(in[0], centres, 0.5);
  });
}

TEST_P(HashingLossesFixture, ProxyAnchorMatchesTheAuthorsCode) {
  expect_matches_torch("proxy_anchor", {{"codes", "u"}, {"proxy_anchor.proxies", "proxies"}},
                       [&](const std::vector<Tensor>& in) {
                         return proxy_anchor_loss(in[0], at("multi_hot"), in[1], 32, 0.1);
                       });
}

TEST_P(HashingLossesFixture, QuantizationAndBalanceTermsMatchTorch) {
  const std::vector<std::pair<std::string, Tensor (*)(const Tensor&)>> terms = {
      {"sign_quantization", sign_quantization_loss},
      {"cubic_quantization", cubic_quantization_loss},
      {"log_cosh_quantization", log_cosh_quantization_loss},
      {"bit_balance", bit_balance_loss}};
  for (const auto& [name, term] : terms)
    expect_matches_torch(name, {{"quantization.codes", "u"}},
                         [&, term = term](const std::vector<Tensor>& in) { return term(in[0]); });
}

TEST_P(HashingLossesFixture, ClassCodesAndLabelTargetsMatchTorch) {
  EXPECT_TRUE(
      test::all_close(class_codes(8, 4, 1, DType::f64, device()), at("class_codes_8x4"), 0, 0));
  // Where the summed class codes are not 0 the target is their sign; ties are hashgrad's
  // random fill (tested in hashing_losses_test.cpp).
  std::vector<double> sign_of_sum = at("label_targets.sign_of_sum").to_vector<double>();
  std::vector<double> targets =
      label_targets(at("multi_hot"), at("class_codes_4x8"), 7).to_vector<double>();
  int ties = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    if (sign_of_sum[i] == 0)
      ++ties;
    else
      EXPECT_EQ(targets[i], sign_of_sum[i]) << "element " << i;
  }
  EXPECT_GT(ties, 0);  // the fixture does exercise ties
}

TEST_P(HashingLossesFixture, HashHeadMatchesTorchLinear) {
  for (auto [name, activation] :
       {std::pair{"tanh", HashActivation::tanh}, std::pair{"sigmoid", HashActivation::sigmoid}}) {
    std::string prefix = std::string("head_") + name;
    HashHead head(6, 8, activation);
    head.load_state_dict({{"weight", entry("head.weight")}, {"bias", entry("head.bias")}});
    head.to(device());
    // The head's parameters are f32: compare at f32 precision.
    Tensor features = at("head.features").to(DType::f32).set_requires_grad(true);
    Tensor output = head(features);
    EXPECT_TRUE(test::all_close(output, entry(prefix + ".output"), 1e-5, 1e-6)) << prefix;
    backward(output, at("head.grad_output").to(DType::f32));
    EXPECT_TRUE(test::all_close(features.grad(), entry(prefix + ".grad_features"), 1e-5, 1e-6))
        << prefix;
    EXPECT_TRUE(test::all_close(head.weight().grad(), entry(prefix + ".grad_weight"), 1e-5, 1e-6))
        << prefix;
    EXPECT_TRUE(test::all_close(head.bias().grad(), entry(prefix + ".grad_bias"), 1e-5, 1e-6))
        << prefix;
  }
}

HG_INSTANTIATE_DEVICE_TEST(HashingLossesFixture);

}  // namespace
}  // namespace hg::hashing
