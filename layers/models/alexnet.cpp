// AlexNet's builder (see alexnet.h).
#include "layers/models/alexnet.h"

#include "layers/activation.h"
#include "layers/conv2d.h"
#include "layers/dropout.h"
#include "layers/linear.h"
#include "layers/pooling.h"

namespace hg {

std::shared_ptr<ConvBackbone> alexnet(const BackboneOptions& options) {
  const bool small = options.small_input();
  const int64_t first_kernel = small ? 5 : 11, first_stride = small ? 1 : 4;
  auto features = std::make_shared<Sequential>();
  int64_t side = options.image_size;
  auto conv = [&](int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
                  int64_t padding) {
    features->push_back(std::make_shared<Conv2d>(Conv2dOptions(in_channels, out_channels, kernel)
                                                     .with_stride(stride)
                                                     .with_padding(padding)));
    features->push_back(std::make_shared<ReLU>());
    side = window_output_size("alexnet", side, kernel, stride, padding);
  };
  auto pool = [&] {
    features->push_back(std::make_shared<MaxPool2d>(3, 2));
    side = window_output_size("alexnet", side, 3, 2);
  };
  conv(options.in_channels, 64, first_kernel, first_stride, 2);
  pool();
  conv(64, 192, 5, 1, 2);
  pool();
  conv(192, 384, 3, 1, 1);
  conv(384, 256, 3, 1, 1);
  conv(256, 256, 3, 1, 1);
  pool();

  const int64_t pooled_side = small ? side : 6;
  auto classifier = std::make_shared<Sequential>();
  classifier->push_back(std::make_shared<Dropout>(0.5));
  classifier->push_back(std::make_shared<Linear>(256 * pooled_side * pooled_side, 4096));
  classifier->push_back(std::make_shared<ReLU>());
  classifier->push_back(std::make_shared<Dropout>(0.5));
  classifier->push_back(std::make_shared<Linear>(4096, 4096));
  classifier->push_back(std::make_shared<ReLU>());
  std::shared_ptr<Module> avgpool;
  if (!small) avgpool = std::make_shared<AdaptiveAvgPool2d>(6);
  return std::make_shared<ConvBackbone>(
      "alexnet",
      ConvBackbone::Parts{features, make_attention(options.attention, 256), avgpool, classifier},
      options.in_channels, small ? options.image_size : 0, 4096);
}

}  // namespace hg
