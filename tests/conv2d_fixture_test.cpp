// Convolution against PyTorch (tests/fixtures/fixtures_conv.py): for each case the same input,
// weight, bias and upstream gradient give torch's output and input, weight and bias gradients
// in fp32 on every device (CUDA in strict fp32). One case also goes through the Conv2d module,
// loaded by torch's names.
#include <gtest/gtest.h>

#include "autograd/conv2d.h"
#include "autograd/node.h"
#include "layers/conv2d.h"
#include "tests/device_test.h"
#include "tests/numeric_mode.h"

namespace hg {
namespace {

const test::Fixture& fixture() {
  static const test::Fixture loaded = test::load_fixture("conv2d");
  return loaded;
}

const Tensor& entry(const std::string& name) { return test::entry(fixture(), name); }

bool has_entry(const std::string& name) { return fixture().count(name) > 0; }

struct Case {
  const char* name;
  int64_t stride, padding, dilation, groups;
};

// The hyper-parameters fixtures_conv.py used for each case.
const Case kCases[] = {
    {"stem_7x7_stride2_pad3", 2, 3, 1, 1},
    {"dilated_3x3", 1, 2, 2, 1},
    {"groups_2", 1, 1, 1, 2},
    {"depthwise_stride2", 2, 1, 1, 4},
    {"rectangular_1x3", 1, 1, 1, 1},
    {"pointwise_1x1", 1, 0, 1, 1},
};

class Conv2dFixture : public test::DeviceTest {
 protected:
  // The fixture's tensor `name` on device(), a leaf that records its gradient.
  Tensor leaf(const std::string& name) const {
    return entry(name).clone().to(device()).set_requires_grad(true);
  }
  // Sums of up to 147 products in fp32, in another order than torch's: a few ulps apart on the
  // CPU. cuDNN's Winograd and FFT algorithms, allowed in strict fp32, err several times more.
  double tolerance() const { return device() == Device::cpu ? 1e-5 : 1e-4; }

 private:
  test::NumericMode strict_{true};
};

TEST_P(Conv2dFixture, OutputAndGradientsMatchTorch) {
  for (const Case& c : kCases) {
    const std::string prefix = std::string(c.name) + ".";
    Tensor x = leaf(prefix + "input");
    Tensor weight = leaf(prefix + "weight");
    const bool has_bias = has_entry(prefix + "bias");
    Tensor bias = has_bias ? leaf(prefix + "bias") : Tensor();
    Tensor y = conv2d(x, weight, bias, c.stride, c.padding, c.dilation, c.groups);
    EXPECT_TRUE(test::all_close(y, entry(prefix + "output"), tolerance(), tolerance()))
        << c.name << ": output";
    backward(y, entry(prefix + "grad_output").to(device()));
    EXPECT_TRUE(test::all_close(x.grad(), entry(prefix + "grad_input"), tolerance(), tolerance()))
        << c.name << ": input gradient";
    EXPECT_TRUE(
        test::all_close(weight.grad(), entry(prefix + "grad_weight"), tolerance(), tolerance()))
        << c.name << ": weight gradient";
    if (has_bias) {
      EXPECT_TRUE(
          test::all_close(bias.grad(), entry(prefix + "grad_bias"), tolerance(), tolerance()))
          << c.name << ": bias gradient";
    }
  }
}

TEST_P(Conv2dFixture, ModuleLoadsTorchWeightsByName) {
  const std::string prefix = "stem_7x7_stride2_pad3.";
  Conv2d layer(Conv2dOptions(3, 4, 7).with_stride(2).with_padding(3));
  layer.load_state_dict({{"weight", entry(prefix + "weight")}, {"bias", entry(prefix + "bias")}});
  layer.to(device());
  Tensor x = leaf(prefix + "input");
  Tensor y = layer(x);
  EXPECT_TRUE(test::all_close(y, entry(prefix + "output"), tolerance(), tolerance()));
  backward(y, entry(prefix + "grad_output").to(device()));
  EXPECT_TRUE(test::all_close(layer.weight().grad(), entry(prefix + "grad_weight"), tolerance(),
                              tolerance()));
  EXPECT_TRUE(
      test::all_close(layer.bias().grad(), entry(prefix + "grad_bias"), tolerance(), tolerance()));
}

HG_INSTANTIATE_DEVICE_TEST(Conv2dFixture);

}  // namespace
}  // namespace hg
