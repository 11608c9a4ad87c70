// VGG16's builder (see vgg.h).
#include "layers/models/vgg.h"

#include "layers/activation.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/dropout.h"
#include "layers/init.h"
#include "layers/linear.h"
#include "layers/pooling.h"

namespace hg {

namespace {

constexpr int64_t kMaxPool = 0;  // in the configuration: a max-pool instead of a conv width
constexpr int64_t kConfigurationD[] = {64,  64,       kMaxPool, 128,      128, kMaxPool,
                                       256, 256,      256,      kMaxPool, 512, 512,
                                       512, kMaxPool, 512,      512,      512, kMaxPool};

}  // namespace

std::shared_ptr<ConvBackbone> vgg16(const BackboneOptions& options, bool batch_norm) {
  const char* name = batch_norm ? "vgg16_bn" : "vgg16";
  auto features = std::make_shared<Sequential>();
  int64_t channels = options.in_channels, side = options.image_size;
  for (int64_t width : kConfigurationD) {
    if (width == kMaxPool) {
      features->push_back(std::make_shared<MaxPool2d>(2));
      side = window_output_size(name, side, 2, 2);
      continue;
    }
    auto conv = features->push_back(
        std::make_shared<Conv2d>(Conv2dOptions(channels, width, 3).with_padding(1)));
    init::kaiming_normal_fan_out(conv->weight());
    init::constant(conv->bias(), 0);
    if (batch_norm) features->push_back(std::make_shared<BatchNorm2d>(width));
    features->push_back(std::make_shared<ReLU>());
    channels = width;
  }

  const bool small = options.small_input();
  const int64_t pooled_side = small ? side : 7;
  auto classifier = std::make_shared<Sequential>();
  for (int64_t in_features : {channels * pooled_side * pooled_side, int64_t{4096}}) {
    auto linear = classifier->push_back(std::make_shared<Linear>(in_features, 4096));
    init::normal(linear->weight(), 0, 0.01);
    init::constant(linear->bias(), 0);
    classifier->push_back(std::make_shared<ReLU>());
    classifier->push_back(std::make_shared<Dropout>(0.5));
  }
  std::shared_ptr<Module> avgpool;
  if (!small) avgpool = std::make_shared<AdaptiveAvgPool2d>(7);
  return std::make_shared<ConvBackbone>(
      name,
      ConvBackbone::Parts{features, make_attention(options.attention, channels), avgpool,
                          classifier},
      options.in_channels, small ? options.image_size : 0, 4096);
}

}  // namespace hg
