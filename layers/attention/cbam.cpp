// CBAM's two gates and their composition (see cbam.h).
#include "layers/attention/cbam.h"

#include <algorithm>

#include "autograd/elementwise.h"
#include "autograd/indexing.h"
#include "autograd/pooling.h"
#include "autograd/reduce.h"
#include "layers/attention/attention.h"

namespace hg {

ChannelAttention::ChannelAttention(int64_t channels, int64_t reduction) : channels_(channels) {
  HG_CHECK(channels > 0 && reduction > 0,
           "ChannelAttention: channels and reduction must be "
           "positive, got ",
           channels, " and ", reduction);
  const int64_t hidden = std::max<int64_t>(1, channels / reduction);
  fc1_ = register_module(
      "fc1", std::make_shared<Conv2d>(Conv2dOptions(channels, hidden, 1).without_bias()));
  fc2_ = register_module(
      "fc2", std::make_shared<Conv2d>(Conv2dOptions(hidden, channels, 1).without_bias()));
}

Tensor ChannelAttention::forward(const Tensor& input) {
  check_feature_map(input, channels_, "ChannelAttention");
  auto mlp = [&](const Tensor& descriptor) {
    return fc2_->forward(relu(fc1_->forward(descriptor)));
  };
  return sigmoid(mlp(global_avg_pool2d(input)) + mlp(global_max_pool2d(input)));
}

SpatialAttention::SpatialAttention(int64_t kernel_size) {
  HG_CHECK(kernel_size > 0 && kernel_size % 2 == 1,
           "SpatialAttention: kernel_size must be odd so the map keeps its size, got ",
           kernel_size);
  conv1_ = register_module(
      "conv1", std::make_shared<Conv2d>(
                   Conv2dOptions(2, 1, kernel_size).with_padding(kernel_size / 2).without_bias()));
}

Tensor SpatialAttention::forward(const Tensor& input) {
  check_feature_map(input, -1, "SpatialAttention");
  Tensor pooled = concat({mean(input, {1}, true), max(input, {1}, true)}, 1);
  return sigmoid(conv1_->forward(pooled));
}

Cbam::Cbam(int64_t channels, int64_t reduction, int64_t spatial_kernel_size) : channels_(channels) {
  channel_attention_ =
      register_module("channel_attention", std::make_shared<ChannelAttention>(channels, reduction));
  spatial_attention_ =
      register_module("spatial_attention", std::make_shared<SpatialAttention>(spatial_kernel_size));
}

Tensor Cbam::forward(const Tensor& input) {
  check_feature_map(input, channels_, "Cbam");
  Tensor refined = channel_attention_->forward(input) * input;
  return spatial_attention_->forward(refined) * refined;
}

}  // namespace hg
