// Fused window attention (autograd/window_attention.h) against the composed ops it replaces in
// Swin (matmul, add of bias and shift mask, softmax, matmul), forward and backward, on every
// device; its gradients against central differences in f64; and its shape errors.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "tests/device_test.h"

namespace hg {
namespace {

// softmax(q kᵀ + B_h + M_b) v by the composed differentiable ops, as Swin computed it before.
Tensor composed(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                const Tensor& mask) {
  const int64_t windows = q.size(0), heads = q.size(1), tokens = q.size(2);
  const int64_t mask_windows = mask.defined() ? mask.size(0) : 1;
  Tensor scores = matmul(q, transpose(k, -2, -1));
  Tensor offset = unsqueeze(bias, 0);
  if (mask.defined()) offset = unsqueeze(mask, 1) + offset;
  scores = reshape(scores, {windows / mask_windows, mask_windows, heads, tokens, tokens}) + offset;
  return matmul(softmax(reshape(scores, {windows, heads, tokens, tokens}), -1), v);
}

// A shift mask as Swin makes them: 0 within a region, −100 across regions.
Tensor shift_mask(int64_t mask_windows, int64_t tokens, uint64_t seed) {
  Tensor draws = test::random_uniform({mask_windows, tokens, tokens}, seed, 0, 1);
  std::vector<float> values = draws.to_vector<float>();
  for (float& value : values) value = value < 0.7f ? 0.0f : -100.0f;
  return test::f32(values, {mask_windows, tokens, tokens});
}

struct Operands {
  Tensor q, k, v, bias, mask;
};

// Two batches of 4 windows (mask_windows 4), 3 heads, 9 tokens (a 3 × 3 window), head dim 5.
Operands operands(Device device, DType dtype, bool masked) {
  auto draw = [&](const Shape& shape, uint64_t seed) {
    return test::random_uniform(shape, seed).to(dtype).to(device).set_requires_grad(true);
  };
  Operands o{draw({8, 3, 9, 5}, 1), draw({8, 3, 9, 5}, 2), draw({8, 3, 9, 5}, 3),
             draw({3, 9, 9}, 4), Tensor()};
  if (masked) o.mask = shift_mask(4, 9, 5).to(dtype).to(device);
  return o;
}

class WindowAttention : public test::DeviceTest {};

TEST_P(WindowAttention, ForwardAndGradientsEqualTheComposedOps) {
  for (bool masked : {false, true}) {
    Operands fused = operands(device(), DType::f32, masked);
    Operands reference = operands(Device::cpu, DType::f32, masked);
    Tensor upstream = test::random_uniform({8, 3, 9, 5}, 6);
    Tensor out = window_attention(fused.q, fused.k, fused.v, fused.bias, fused.mask);
    Tensor expected =
        composed(reference.q, reference.k, reference.v, reference.bias, reference.mask);
    EXPECT_TRUE(test::all_close(out.to(Device::cpu), expected, 1e-5, 1e-6)) << masked;
    backward(sum(mul(out, upstream.to(device()))));
    backward(sum(mul(expected, upstream)));
    EXPECT_TRUE(test::all_close(fused.q.grad().to(Device::cpu), reference.q.grad(), 1e-4, 1e-6));
    EXPECT_TRUE(test::all_close(fused.k.grad().to(Device::cpu), reference.k.grad(), 1e-4, 1e-6));
    EXPECT_TRUE(test::all_close(fused.v.grad().to(Device::cpu), reference.v.grad(), 1e-4, 1e-6));
    EXPECT_TRUE(
        test::all_close(fused.bias.grad().to(Device::cpu), reference.bias.grad(), 1e-4, 1e-6));
  }
}

// gradcheck runs on the CPU (f64 CPU inputs); the CUDA kernels meet these gradients through the
// comparison above.
TEST(WindowAttentionGradients, MatchCentralDifferencesInF64) {
  Operands o = operands(Device::cpu, DType::f64, true);
  GradcheckResult result = gradcheck(
      [&](const std::vector<Tensor>& x) {
        return window_attention(x[0], x[1], x[2], x[3], o.mask);
      },
      {o.q, o.k, o.v, o.bias});
  EXPECT_TRUE(result.passed) << result.report;
}

TEST(WindowAttentionErrors, ShapesThatDoNotFitAreRefusedByName) {
  Tensor q = Tensor::zeros({4, 2, 9, 5}), bias = Tensor::zeros({2, 9, 9});
  EXPECT_EQ(test::error_message([&] {
              window_attention(q, q, q, Tensor::zeros({2, 9, 8}));
            }),
            "window_attention: the bias must be [2, 9, 9], got f32[2, 9, 8] cpu");
  EXPECT_EQ(
      test::error_message([&] {
        window_attention(q, q, q, bias, Tensor::zeros({3, 9, 9}));
      }),
      "window_attention: the mask must be [mask_windows, 9, 9] with mask_windows dividing the 4 "
      "windows, got f32[3, 9, 9] cpu");
  EXPECT_NE(test::error_message([&] {
              window_attention(q, Tensor::zeros({4, 2, 9, 4}), q, bias);
            }).find("q, k and v must be [windows, heads, tokens, head_dim] alike"),
            std::string::npos);
}

HG_INSTANTIATE_DEVICE_TEST(WindowAttention);

}  // namespace
}  // namespace hg
