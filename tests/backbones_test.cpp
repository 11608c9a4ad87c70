// The backbones' sizes and names: for every variant PyTorch measured (tests/fixtures/
// fixtures_cnn.py, cnn_backbone_sizes: torchvision's structure written in torch.nn, its counts
// pinned to torchvision's published ones) the same parameter count and feature width, and a
// forward to [N, F]; torchvision's state-dict names and shapes; torchvision's initialisation
// statistics; the errors a user meets. Then the attention blocks and the backbones on CUDA against
// the CPU reference: the same weights (the CPU model's state dict loaded into a second model moved
// to the GPU), the same batch and upstream gradient; outputs, input gradients and every
// parameter's gradient compared. A single attention block runs in strict fp32 at rtol 1e-5.
// Whole networks run in f64 on both devices: in f32, a max-pooling window (or CBAM's max over
// channels) whose two largest inputs lie closer than the rounding that separates cuDNN's
// summation order from the CPU's sends its gradient to a different element on each device. On
// the H100 that moved one element of AlexNet+CBAM's features.3.weight gradient by 6%. In f64 such
// near-ties are ~1e-16 wide, so only summation order separates the devices, and the comparison
// tightens to rtol 1e-9. (The training steps against PyTorch run on every device in
// backbones_fixture_test.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <regex>

#include "autograd/ops.h"
#include "cuda/runtime.h"
#include "layers/attention/attention.h"
#include "layers/models/backbone.h"
#include "layers/models/resnet.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "tests/device_test.h"
#include "tests/numeric_mode.h"

namespace hg {
namespace {

BackboneOptions options(int64_t in_channels, int64_t image_size,
                        AttentionKind attention = AttentionKind::none) {
  BackboneOptions result;
  result.in_channels = in_channels;
  result.image_size = image_size;
  result.attention = attention;
  return result;
}

double standard_deviation(const Tensor& tensor) {
  std::vector<double> values = tensor.to(DType::f64).to_vector<double>();
  double sum = 0, squares = 0;
  for (double value : values) sum += value, squares += value * value;
  const double count = static_cast<double>(values.size());
  return std::sqrt(squares / count - (sum / count) * (sum / count));
}

// Builds every variant of cnn_backbone_sizes whose image size `selected` accepts and compares it
// with PyTorch's; returns how many it checked.
int expect_sizes_match_pytorch(const std::function<bool(int64_t image_size)>& selected) {
  // Keys "<name>_<C>x<size>_<attention>[_w<width>].parameters", as variant_key in the script.
  const std::regex key_pattern(R"((\w+?)_(\d+)x(\d+)_([a-z]+)(?:_w(\d+))?\.parameters)");
  auto sizes = test::load_fixture("cnn_backbone_sizes");
  int variants = 0;
  for (const auto& [key, count] : sizes) {
    std::smatch match;
    if (!std::regex_match(key, match, key_pattern) || !selected(std::stoll(match[3]))) continue;
    BackboneOptions settings =
        options(std::stoll(match[2]), std::stoll(match[3]), parse_attention_kind(match[4]));
    if (match[5].matched) settings.width = std::stoll(match[5]);
    Backbone backbone = make_backbone(match[1], settings);
    const std::string variant = key.substr(0, key.size() - std::string(".parameters").size());
    EXPECT_EQ(backbone.module->parameter_count(), count.item<int64_t>()) << variant;
    EXPECT_EQ(backbone.feature_dim, sizes.at(variant + ".features").item<int64_t>()) << variant;
    // A forward of two images, in evaluation mode (dropout off), gives [2, F].
    backbone.module->eval();
    NoGradGuard no_grad;
    Tensor images = test::random_uniform(
        {2, settings.in_channels, settings.image_size, settings.image_size}, variants);
    EXPECT_EQ(backbone.module->forward(images).shape(), (Shape{2, backbone.feature_dim}))
        << variant;
    ++variants;
  }
  return variants;
}

TEST(Backbones, SmallInputVariantsHavePyTorchsSizes) {
  EXPECT_EQ(expect_sizes_match_pytorch([](int64_t image_size) { return image_size < 64; }), 14);
}

TEST(Backbones, ImageNetVariantsHavePyTorchsSizes) {
  // alexnet 57,003,840, vgg16 134,260,544, vgg16_bn 134,268,992, resnet18 11,176,512 parameters:
  // torchvision's counts less the 1000-class Linear.
  EXPECT_EQ(expect_sizes_match_pytorch([](int64_t image_size) { return image_size >= 64; }), 5);
}

TEST(Backbones, StateDictNamesAndShapesAreTorchvisions) {
  auto alexnet = make_backbone("alexnet", options(3, 224)).module->state_dict();
  EXPECT_EQ(alexnet.at("features.0.weight").shape(), (Shape{64, 3, 11, 11}));
  EXPECT_EQ(alexnet.at("features.10.bias").shape(), (Shape{256}));
  EXPECT_EQ(alexnet.at("classifier.1.weight").shape(), (Shape{4096, 9216}));
  EXPECT_EQ(alexnet.at("classifier.4.weight").shape(), (Shape{4096, 4096}));
  EXPECT_EQ(alexnet.size(), 14u);  // 5 convs and 2 Linear, weight and bias each
  EXPECT_EQ(
      make_backbone("alexnet", options(3, 32)).module->state_dict().at("features.0.weight").shape(),
      (Shape{64, 3, 5, 5}));

  auto vgg = make_backbone("vgg16", options(3, 32)).module->state_dict();
  EXPECT_EQ(vgg.at("features.28.weight").shape(), (Shape{512, 512, 3, 3}));  // the 13th conv
  EXPECT_EQ(vgg.at("classifier.0.weight").shape(), (Shape{4096, 512}));      // 512×1×1 inputs
  EXPECT_EQ(vgg.at("classifier.3.weight").shape(), (Shape{4096, 4096}));
  auto vgg_bn =
      make_backbone("vgg16_bn", options(3, 224, AttentionKind::cbam)).module->state_dict();
  EXPECT_EQ(vgg_bn.at("features.40.weight").shape(), (Shape{512, 512, 3, 3}));
  EXPECT_EQ(vgg_bn.at("features.41.running_var").shape(), (Shape{512}));
  EXPECT_EQ(vgg_bn.at("classifier.0.weight").shape(), (Shape{4096, 25088}));
  EXPECT_EQ(vgg_bn.at("attention.channel_attention.fc1.weight").shape(), (Shape{32, 512, 1, 1}));

  auto resnet =
      make_backbone("resnet18", options(3, 224, AttentionKind::dual)).module->state_dict();
  EXPECT_EQ(resnet.at("conv1.weight").shape(), (Shape{64, 3, 7, 7}));
  EXPECT_EQ(resnet.at("layer1.1.bn2.running_mean").shape(), (Shape{64}));
  EXPECT_EQ(resnet.at("layer2.0.downsample.0.weight").shape(), (Shape{128, 64, 1, 1}));
  EXPECT_EQ(resnet.at("layer4.1.conv2.weight").shape(), (Shape{512, 512, 3, 3}));
  EXPECT_EQ(resnet.at("attention.pam.query_conv.weight").shape(), (Shape{64, 512, 1, 1}));
  EXPECT_EQ(resnet.count("layer1.0.downsample.0.weight"), 0u);  // same shape: identity shortcut
  EXPECT_EQ(resnet.count("fc.weight"), 0u);
  EXPECT_EQ(
      make_backbone("resnet18", options(1, 28)).module->state_dict().at("conv1.weight").shape(),
      (Shape{64, 1, 3, 3}));

  auto cnn5 = make_backbone("cnn5", options(1, 28)).module->state_dict();
  EXPECT_EQ(cnn5.at("features.0.weight").shape(), (Shape{32, 1, 3, 3}));
  EXPECT_EQ(cnn5.at("features.3.weight").shape(), (Shape{32, 32, 3, 3}));  // conv, BN, ReLU, conv
  EXPECT_EQ(cnn5.at("classifier.0.weight").shape(), (Shape{512, 128 * 3 * 3}));  // 28 → 3
}

TEST(Backbones, InitialisationFollowsTorchvision) {
  manual_seed(7);
  // VGG: convs N(0, 2/fan_out) with fan_out = 512·3·3, zero bias; Linear N(0, 0.01²), zero bias.
  auto vgg = make_backbone("vgg16_bn", options(3, 32)).module->state_dict();
  EXPECT_NEAR(standard_deviation(vgg.at("features.40.weight")), std::sqrt(2.0 / (512 * 9)),
              0.01 * std::sqrt(2.0 / (512 * 9)));
  EXPECT_EQ(standard_deviation(vgg.at("features.40.bias")), 0);
  EXPECT_NEAR(standard_deviation(vgg.at("classifier.3.weight")), 0.01, 1e-4);
  EXPECT_EQ(standard_deviation(vgg.at("classifier.3.bias")), 0);
  EXPECT_EQ(vgg.at("features.41.weight").to_vector<float>(), std::vector<float>(512, 1.0f));
  // ResNet: the same conv rule (fan_out = 128·3·3 for layer2's convs), BatchNorm γ = 1, β = 0.
  auto resnet = make_backbone("resnet18", options(3, 224)).module->state_dict();
  EXPECT_NEAR(standard_deviation(resnet.at("layer2.1.conv1.weight")), std::sqrt(2.0 / (128 * 9)),
              0.02 * std::sqrt(2.0 / (128 * 9)));
  EXPECT_NEAR(standard_deviation(resnet.at("layer2.0.downsample.0.weight")), std::sqrt(2.0 / 128),
              0.05 * std::sqrt(2.0 / 128));
  EXPECT_EQ(resnet.at("layer2.0.bn1.bias").to_vector<float>(), std::vector<float>(128, 0.0f));
  // AlexNet keeps torch's default U(−1/√fan_in, 1/√fan_in): standard deviation bound/√3.
  auto alexnet = make_backbone("alexnet", options(3, 32)).module->state_dict();
  const double bound = 1 / std::sqrt(4096.0);
  EXPECT_NEAR(standard_deviation(alexnet.at("classifier.4.weight")), bound / std::sqrt(3.0),
              0.01 * bound);
}

TEST(Backbones, FeaturesTrainEndToEnd) {
  // A training-mode forward and backward reaches every parameter, attention included.
  for (const char* name : {"smallcnn", "cnn5", "resnet18"}) {
    BackboneOptions settings = options(1, 28, AttentionKind::mixed);
    settings.width = 8;
    Backbone backbone = make_backbone(name, settings);
    Tensor features = backbone.module->forward(test::random_uniform({2, 1, 28, 28}, 3));
    backward(sum(features));
    for (const auto& [parameter_name, parameter] : backbone.module->named_parameters())
      EXPECT_TRUE(parameter.grad().defined()) << name << ": " << parameter_name;
  }
}

TEST(Backbones, ErrorsNameTheProblem) {
  auto expect_error = [](const std::function<void()>& action, const std::string& text) {
    std::string message = test::error_message(action);
    EXPECT_NE(message.find(text), std::string::npos) << message;
  };
  expect_error([] { make_backbone("vgg19"); },
               "known: smallcnn, cnn5, alexnet, vgg16, vgg16_bn, resnet18, swin_tiny, swin_micro");
  expect_error([] { make_backbone("vgg16", options(1, 28)); }, "too small");
  expect_error(
      [] {
        make_backbone("smallcnn", options(1, 28))
            .module->forward(test::random_uniform({2, 1, 32, 32}, 4));
      },
      "built for 28×28 images");
  expect_error(
      [] {
        make_backbone("resnet18", options(3, 32))
            .module->forward(test::random_uniform({2, 1, 32, 32}, 5));
      },
      "expected images [N, 3, H, W]");
}

// CUDA against the CPU, module by module.
class CudaBackbones : public test::DeviceTest {
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

TEST_P(CudaBackbones, AttentionBlocksMatchCpu) {
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

TEST_P(CudaBackbones, SmallCnnsTrainingStepMatchesCpu) {
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

TEST_P(CudaBackbones, ResNet18WithDualAttentionTrainingStepMatchesCpu) {
  BackboneOptions options;
  options.image_size = 32;
  options.width = 16;
  options.attention = AttentionKind::dual;
  expect_devices_agree(
      "resnet18", [&] { return make_backbone("resnet18", options).module; },
      test::random_uniform({4, 3, 32, 32}, 3), true, DType::f64, 1e-9, 1e-9);
}

TEST_P(CudaBackbones, AlexNetAndVggEvaluationStepMatchesCpu) {
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

HG_INSTANTIATE_CUDA_TEST(CudaBackbones);

}  // namespace
}  // namespace hg
