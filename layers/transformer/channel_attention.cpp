// Channel attention and HAT's channel attention block (see channel_attention.h).
#include "layers/transformer/channel_attention.h"

#include "autograd/elementwise.h"
#include "layers/activation.h"
#include "layers/conv2d.h"
#include "layers/pooling.h"

namespace hg {

HatChannelAttention::HatChannelAttention(int64_t channels, int64_t squeeze_factor) {
  HG_CHECK(squeeze_factor > 0 && channels / squeeze_factor > 0, "HatChannelAttention: ", channels,
           " channels squeezed by ", squeeze_factor,
           " leave no channel; use at least as many channels as the squeeze factor");
  const int64_t squeezed = channels / squeeze_factor;
  attention_ = register_module("attention", std::make_shared<Sequential>());
  attention_->push_back(std::make_shared<AdaptiveAvgPool2d>(1));
  attention_->push_back(std::make_shared<Conv2d>(Conv2dOptions(channels, squeezed, 1)));
  attention_->push_back(std::make_shared<ReLU>());
  attention_->push_back(std::make_shared<Conv2d>(Conv2dOptions(squeezed, channels, 1)));
  attention_->push_back(std::make_shared<Sigmoid>());
}

Tensor HatChannelAttention::forward(const Tensor& input) { return input * (*attention_)(input); }

ChannelAttentionBlock::ChannelAttentionBlock(int64_t channels, int64_t compress_ratio,
                                             int64_t squeeze_factor) {
  HG_CHECK(compress_ratio > 0 && channels / compress_ratio > 0, "ChannelAttentionBlock: ", channels,
           " channels compressed by ", compress_ratio, " leave no channel");
  const int64_t compressed = channels / compress_ratio;
  cab_ = register_module("cab", std::make_shared<Sequential>());
  cab_->push_back(std::make_shared<Conv2d>(Conv2dOptions(channels, compressed, 3).with_padding(1)));
  cab_->push_back(std::make_shared<GELU>());
  cab_->push_back(std::make_shared<Conv2d>(Conv2dOptions(compressed, channels, 3).with_padding(1)));
  cab_->push_back(std::make_shared<HatChannelAttention>(channels, squeeze_factor));
}

}  // namespace hg
