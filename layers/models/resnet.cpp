// ResNet18 and its BasicBlock (see resnet.h).
#include "layers/models/resnet.h"

#include "autograd/elementwise.h"
#include "autograd/pooling.h"
#include "layers/init.h"
#include "layers/pooling.h"

namespace hg {

namespace {

// A bias-free conv with torchvision's ResNet initialisation.
std::shared_ptr<Conv2d> resnet_conv(int64_t in_channels, int64_t out_channels, int64_t kernel,
                                    int64_t stride, int64_t padding) {
  auto conv = std::make_shared<Conv2d>(Conv2dOptions(in_channels, out_channels, kernel)
                                           .with_stride(stride)
                                           .with_padding(padding)
                                           .without_bias());
  init::kaiming_normal_fan_out(conv->weight());
  return conv;
}

std::shared_ptr<Sequential> make_stage(int64_t in_channels, int64_t out_channels, int64_t stride) {
  auto stage = std::make_shared<Sequential>();
  stage->push_back(std::make_shared<BasicBlock>(in_channels, out_channels, stride));
  stage->push_back(std::make_shared<BasicBlock>(out_channels, out_channels, 1));
  return stage;
}

}  // namespace

BasicBlock::BasicBlock(int64_t in_channels, int64_t out_channels, int64_t stride) {
  conv1_ = register_module("conv1", resnet_conv(in_channels, out_channels, 3, stride, 1));
  bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(out_channels));
  conv2_ = register_module("conv2", resnet_conv(out_channels, out_channels, 3, 1, 1));
  bn2_ = register_module("bn2", std::make_shared<BatchNorm2d>(out_channels));
  if (stride != 1 || in_channels != out_channels) {
    downsample_ = register_module("downsample", std::make_shared<Sequential>());
    downsample_->push_back(resnet_conv(in_channels, out_channels, 1, stride, 0));
    downsample_->push_back(std::make_shared<BatchNorm2d>(out_channels));
  }
}

Tensor BasicBlock::forward(const Tensor& input) {
  Tensor residual = bn2_->forward(conv2_->forward(relu(bn1_->forward(conv1_->forward(input)))));
  Tensor shortcut = downsample_ ? downsample_->forward(input) : input;
  return relu(residual + shortcut);
}

ResNet18::ResNet18(const BackboneOptions& options)
    : in_channels_(options.in_channels), feature_dim_(8 * options.width) {
  HG_CHECK(options.width > 0, "resnet18: width must be positive, got ", options.width);
  const int64_t width = options.width;
  const bool small = options.small_input();
  conv1_ = register_module("conv1", small ? resnet_conv(options.in_channels, width, 3, 1, 1)
                                          : resnet_conv(options.in_channels, width, 7, 2, 3));
  bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(width));
  if (!small) maxpool_ = std::make_shared<MaxPool2d>(3, 2, 1);
  layer1_ = register_module("layer1", make_stage(width, width, 1));
  layer2_ = register_module("layer2", make_stage(width, 2 * width, 2));
  layer3_ = register_module("layer3", make_stage(2 * width, 4 * width, 2));
  layer4_ = register_module("layer4", make_stage(4 * width, 8 * width, 2));
  attention_ = make_attention(options.attention, 8 * width);
  if (attention_) register_module("attention", attention_);
}

Tensor ResNet18::forward(const Tensor& input) {
  check_defined(input, "resnet18");
  HG_CHECK(input.dim() == 4 && input.size(1) == in_channels_, "resnet18: expected images [N, ",
           in_channels_, ", H, W], got ", input.description());
  Tensor map = relu(bn1_->forward(conv1_->forward(input)));
  if (maxpool_) map = maxpool_->forward(map);
  map = layer4_->forward(layer3_->forward(layer2_->forward(layer1_->forward(map))));
  if (attention_) map = attention_->forward(map);
  return global_avg_pool2d(map, false);
}

}  // namespace hg
