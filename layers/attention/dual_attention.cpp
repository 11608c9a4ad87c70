// DANet's position and channel attention (see dual_attention.h). Both are batched matrix
// products over the flattened map [N, C, H·W]; the transposes are views that matmul reads in
// place.
#include "layers/attention/dual_attention.h"

#include <algorithm>

#include "autograd/elementwise.h"
#include "autograd/matmul.h"
#include "autograd/softmax.h"
#include "autograd/views.h"
#include "layers/attention/attention.h"

namespace hg {

namespace {

// [N, C, H, W] → [N, C, H·W]
Tensor flatten_positions(const Tensor& map) { return flatten(map, 2, 3); }

}  // namespace

PositionAttention::PositionAttention(int64_t channels) : channels_(channels) {
  HG_CHECK(channels > 0, "PositionAttention: channels must be positive, got ", channels);
  const int64_t key_channels = std::max<int64_t>(1, channels / 8);
  query_conv_ = register_module("query_conv",
                                std::make_shared<Conv2d>(Conv2dOptions(channels, key_channels, 1)));
  key_conv_ = register_module("key_conv",
                              std::make_shared<Conv2d>(Conv2dOptions(channels, key_channels, 1)));
  value_conv_ =
      register_module("value_conv", std::make_shared<Conv2d>(Conv2dOptions(channels, channels, 1)));
  gamma_ = register_parameter("gamma", Tensor::zeros({1}));
}

Tensor PositionAttention::forward(const Tensor& input) {
  check_feature_map(input, channels_, "PositionAttention");
  Tensor query = flatten_positions(query_conv_->forward(input));        // [N, C/8, P]
  Tensor key = flatten_positions(key_conv_->forward(input));            // [N, C/8, P]
  Tensor value = flatten_positions(value_conv_->forward(input));        // [N, C, P]
  Tensor attention = softmax(matmul(transpose(query, 1, 2), key), -1);  // [N, P, P]
  Tensor attended = matmul(value, transpose(attention, 1, 2));          // [N, C, P]
  return gamma_ * reshape(attended, input.shape()) + input;
}

ChannelSelfAttention::ChannelSelfAttention() {
  gamma_ = register_parameter("gamma", Tensor::zeros({1}));
}

Tensor ChannelSelfAttention::forward(const Tensor& input) {
  check_feature_map(input, -1, "ChannelSelfAttention");
  Tensor features = flatten_positions(input);                   // [N, C, P]
  Tensor energy = matmul(features, transpose(features, 1, 2));  // [N, C, C]
  // The authors' softmax(max_j E − E): the row shift changes nothing in a softmax (values or
  // gradient), so softmax(−E) computes it without the C×C subtraction and max backward.
  Tensor attention = softmax(-energy, -1);
  return gamma_ * reshape(matmul(attention, features), input.shape()) + input;
}

DualAttention::DualAttention(int64_t channels) {
  position_ = register_module("pam", std::make_shared<PositionAttention>(channels));
  channel_ = register_module("cam", std::make_shared<ChannelSelfAttention>());
}

Tensor DualAttention::forward(const Tensor& input) {
  return position_->forward(input) + channel_->forward(input);
}

}  // namespace hg
