// Channels-last (NHWC) tensors (tensor/channels_last.h): the strides of a channels-last copy,
// that it holds the same values in the same [N, C, H, W] positions (converted when asked), that
// an operand already in that layout and dtype is not copied, and that one-channel tensors are
// both layouts at once. On each device: the copies are strided copy kernels.
#include <gtest/gtest.h>

#include "tensor/channels_last.h"
#include "tensor/views.h"
#include "tests/device_test.h"

namespace hg {
namespace {

class ChannelsLast : public test::DeviceTest {};

TEST_P(ChannelsLast, ACopyHasNhwcStridesAndTheSameValues) {
  Tensor x = test::random_uniform({2, 3, 4, 5}, 1).to(device());
  Tensor packed = ops::channels_last(x, DType::f32);
  EXPECT_EQ(packed.shape(), x.shape());
  EXPECT_EQ(packed.strides(), (Shape{60, 1, 15, 3}));
  EXPECT_TRUE(ops::is_channels_last(packed));
  EXPECT_FALSE(ops::is_channels_last(x));
  EXPECT_FALSE(packed.is_contiguous());
  EXPECT_TRUE(test::all_close(packed.contiguous(), x, 0, 0));
}

TEST_P(ChannelsLast, ACopyToBf16RoundsAsAPlainConversionDoes) {
  Tensor x = test::random_uniform({1, 4, 3, 3}, 2).to(device());
  Tensor packed = ops::channels_last(x, DType::bf16);
  EXPECT_EQ(packed.dtype(), DType::bf16);
  EXPECT_TRUE(ops::is_channels_last(packed));
  EXPECT_TRUE(test::all_close(packed.to(DType::f32), x.to(DType::bf16).to(DType::f32), 0, 0));
  // Widening a channels-last tensor gives a packed NCHW one: the transpose rides on the copy.
  EXPECT_TRUE(packed.to(DType::f32).is_contiguous());
}

TEST_P(ChannelsLast, AChannelsLastOperandOfTheDtypeIsNotCopied) {
  Tensor packed =
      ops::channels_last(test::random_uniform({2, 3, 2, 2}, 3).to(device()), DType::f32);
  Tensor again = ops::channels_last(packed, DType::f32);
  EXPECT_EQ(again.raw_data(), packed.raw_data());
  EXPECT_NE(ops::channels_last(packed, DType::bf16).raw_data(), packed.raw_data());
}

TEST_P(ChannelsLast, EmptyChannelsLastAndOneChannelTensors) {
  Tensor y = ops::empty_channels_last({2, 6, 3, 4}, DType::bf16, device());
  EXPECT_EQ(y.shape(), (Shape{2, 6, 3, 4}));
  EXPECT_EQ(y.strides(), (Shape{72, 1, 24, 6}));
  Tensor one_channel = Tensor::zeros({2, 1, 3, 3}, DType::f32, device());
  EXPECT_TRUE(one_channel.is_contiguous());
  EXPECT_TRUE(ops::is_channels_last(one_channel));
  EXPECT_FALSE(ops::is_channels_last(Tensor::zeros({2, 3}, DType::f32, device())));
  EXPECT_EQ(test::error_message([&] { ops::channels_last(Tensor::zeros({4}), DType::f32); }),
            "channels_last: expected a shape [N, C, H, W], got [4]");
}

HG_INSTANTIATE_DEVICE_TEST(ChannelsLast);

}  // namespace
}  // namespace hg
