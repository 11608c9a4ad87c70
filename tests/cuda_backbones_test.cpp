// The attention blocks and the backbones on CUDA against the CPU reference: the same weights (the
// CPU model's state dict loaded into a second model moved to the GPU), the same batch and
// upstream gradient; outputs, input gradients and every parameter's gradient compared.
// A single attention block runs in strict fp32 at rtol 1e-5. Whole networks run in f64 on both
// devices: in f32, a max-pooling window (or CBAM's max over channels) whose two largest inputs lie
// closer than the rounding that separates cuDNN's summation order from the CPU's sends its
// gradient to a different element on each device. On the H100 that moved one element of
// AlexNet+CBAM's features.3.weight gradient by 6%. In f64 such near-ties are ~1e-16 wide, so
// only summation order separates the devices, and the comparison tightens to rtol 1e-9.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops.h"
#include "cuda/runtime.h"
#include "layers/attention/attention.h"
#include "layers/models/backbone.h"
#include "tensor/ops.h"
#include "tests/numeric_mode.h"
#include "tests/test_support.h"

namespace hg {
namespace {

class CudaBackbones : public ::testing::Test {
 protected:
  test::NumericMode strict_{true};
};

double root_mean_square(const Tensor& tensor) {
  double total = 0;
  for (double value : tensor.to(DType::f64).to_vector<double>()) total += value * value;
  return std::sqrt(total / static_cast<double>(tensor.numel()));
}

// `make` builds two identical modules; the second gets the first's weights, both convert to
// `dtype`, and the second moves to the GPU. Both run `input` in the given mode and backpropagate
// the same random gradient.
void expect_devices_agree(const std::string& what,
                          const std::function<std::shared_ptr<Module>()>& make, const Tensor& input,
                          bool training, DType dtype, double rtol, double rms_atol) {
  std::shared_ptr<Module> cpu_model = make(), gpu_model = make();
  gpu_model->load_state_dict(cpu_model->state_dict());
  cpu_model->to(dtype);
  gpu_model->to(dtype);
  gpu_model->to(Device::cuda);
  cpu_model->train(training);
  gpu_model->train(training);
  auto close = [&](const Tensor& gpu, const Tensor& cpu) {
    return test::all_close(gpu, cpu, rtol, rms_atol * root_mean_square(cpu));
  };

  Tensor cpu_input = input.clone().to(dtype).set_requires_grad(true);
  Tensor gpu_input = input.to(dtype).to(Device::cuda).set_requires_grad(true);
  Tensor cpu_output = cpu_model->forward(cpu_input), gpu_output = gpu_model->forward(gpu_input);
  ASSERT_TRUE(gpu_output.is_cuda()) << what;
  EXPECT_TRUE(close(gpu_output, cpu_output)) << what << ": output";
  Tensor grad = test::random_uniform(cpu_output.shape(), 77, -1, 1, dtype);
  backward(cpu_output, grad);
  backward(gpu_output, grad.to(Device::cuda));
  EXPECT_TRUE(close(gpu_input.grad(), cpu_input.grad())) << what << ": input gradient";
  auto gpu_parameters = gpu_model->named_parameters();
  auto cpu_parameters = cpu_model->named_parameters();
  ASSERT_EQ(gpu_parameters.size(), cpu_parameters.size());
  for (size_t i = 0; i < cpu_parameters.size(); ++i) {
    const std::string& name = cpu_parameters[i].first;
    // DANet's key bias has an analytically zero gradient (see tests/cnn_fixture_support.h):
    // both devices hold rounding noise there.
    if (name.find("key_conv.bias") != std::string::npos) continue;
    EXPECT_TRUE(close(gpu_parameters[i].second.grad(), cpu_parameters[i].second.grad()))
        << what << ": gradient of " << name;
  }
  const std::map<std::string, Tensor> cpu_state = cpu_model->state_dict();
  for (const auto& [name, buffer] : gpu_model->named_buffers()) {
    if (!is_floating(buffer.dtype())) continue;  // num_batches_tracked
    EXPECT_TRUE(close(buffer, cpu_state.at(name))) << what << ": buffer " << name;
  }
}

TEST_F(CudaBackbones, AttentionBlocksMatchCpu) {
  HG_REQUIRE_CUDA();
  Tensor x = test::random_uniform({3, 32, 6, 7}, 1, -2, 2);
  for (AttentionKind kind : {AttentionKind::cbam, AttentionKind::se, AttentionKind::dual}) {
    // DANet's channel attention takes softmax(−XXᵀ) over 42 positions: its logits reach ±60,
    // and f32 rounding of a logit that large moves the weights by ~4e-6 relative.
    const double rtol = kind == AttentionKind::dual ? 1e-4 : 1e-5;
    expect_devices_agree(
        attention_kind_name(kind),
        [kind] {
          std::shared_ptr<Module> block = make_attention(kind, 32);
          // DANet's γ start at 0; move them so the attention paths count.
          for (const auto& [name, parameter] : block->named_parameters())
            if (name.find("gamma") != std::string::npos) ops::fill_(parameter, 0.6);
          return block;
        },
        x, true, DType::f32, rtol, 1e-5);
  }
}

TEST_F(CudaBackbones, SmallCnnsTrainingStepMatchesCpu) {
  HG_REQUIRE_CUDA();
  Tensor images = test::random_uniform({4, 1, 28, 28}, 2);
  for (const auto& variant :
       {std::pair{"smallcnn", AttentionKind::none}, std::pair{"cnn5", AttentionKind::mixed}}) {
    const char* name = variant.first;
    BackboneOptions options;
    options.in_channels = 1;
    options.image_size = 28;
    options.attention = variant.second;
    expect_devices_agree(
        name, [&] { return make_backbone(name, options).module; }, images, true, DType::f64, 1e-9,
        1e-9);
  }
}

TEST_F(CudaBackbones, ResNet18WithDualAttentionTrainingStepMatchesCpu) {
  HG_REQUIRE_CUDA();
  BackboneOptions options;
  options.image_size = 32;
  options.width = 16;
  options.attention = AttentionKind::dual;
  expect_devices_agree(
      "resnet18", [&] { return make_backbone("resnet18", options).module; },
      test::random_uniform({4, 3, 32, 32}, 3), true, DType::f64, 1e-9, 1e-9);
}

TEST_F(CudaBackbones, AlexNetAndVggEvaluationStepMatchesCpu) {
  HG_REQUIRE_CUDA();
  // Evaluation mode: dropout off, BatchNorm on running statistics.
  Tensor images = test::random_uniform({2, 3, 32, 32}, 4);
  for (const char* name : {"alexnet", "vgg16_bn"}) {
    BackboneOptions options;
    options.image_size = 32;
    options.attention = AttentionKind::cbam;
    expect_devices_agree(
        name, [&] { return make_backbone(name, options).module; }, images, false, DType::f64, 1e-9,
        1e-9);
  }
}

}  // namespace
}  // namespace hg
