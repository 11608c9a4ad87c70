// The deep-hashing losses on CUDA against the CPU reference: the loss and every input's
// gradient, at training-like sizes (a batch of 64 codes of 48 bits, 10 classes, a database of
// 600), in f64 (rtol 1e-9) and in strict f32 (rtol 1e-4: the losses are sums of up to ~40,000
// terms, added in another order on the GPU). The losses are compositions of ops that have
// their own CUDA tests; this checks the compositions (views, broadcasts, constants made on the
// device) hold together on the GPU. Also the class codes and targets made on the device.
#include <gtest/gtest.h>

#include <functional>

#include "autograd/ops.h"
#include "cuda/runtime.h"
#include "hashing/hash_head.h"
#include "hashing/losses.h"
#include "tensor/ops.h"
#include "tests/numeric_mode.h"
#include "tests/test_support.h"

namespace hg::hashing {
namespace {

using Loss = std::function<Tensor(const std::vector<Tensor>& inputs, Device device)>;

// Runs `loss` on CPU and CUDA copies of `inputs` (each requiring a gradient) in `dtype`, and
// compares the loss and every input's gradient.
void expect_devices_agree(const std::string& what, const Loss& loss,
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

TEST(CudaHashingLosses, AdshMatchesCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaHashingLosses, PairwiseLikelihoodMatchesCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaHashingLosses, PointwiseLossesMatchCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaHashingLosses, CodesTargetsAndBinarisationMatchCpu) {
  HG_REQUIRE_CUDA();
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

}  // namespace
}  // namespace hg::hashing
