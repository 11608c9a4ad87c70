// Pooling, BatchNorm and LayerNorm against PyTorch (tests/fixtures/fixtures_layers1.py): the
// same inputs, parameters and upstream gradient give torch's output, input gradient, parameter
// gradients and running statistics, on every device in fp32 (rtol 1e-5; no TF32 is involved).
#include <gtest/gtest.h>

#include <functional>

#include "autograd/ops.h"
#include "layers/batch_norm.h"
#include "layers/layer_norm.h"
#include "layers/pooling.h"
#include "tests/device_test.h"

namespace hg {
namespace {

using test::entry;
using test::Fixture;
using test::load_fixture;

// Runs `layer` on the fixture's `<prefix>.input`, backpropagates `<prefix>.grad_output` and
// compares the output and the input gradient with torch's.
// Both on `device`.
Tensor expect_forward_backward_match(const Fixture& fixture, const std::string& prefix,
                                     const Tensor& input,
                                     const std::function<Tensor(const Tensor&)>& layer,
                                     Device device) {
  Tensor x = input.clone().to(device).set_requires_grad(true);
  Tensor y = layer(x);
  EXPECT_TRUE(test::all_close(y, entry(fixture, prefix + ".output"))) << prefix << ": output";
  backward(y, entry(fixture, prefix + ".grad_output").to(device));
  EXPECT_TRUE(test::all_close(x.grad(), entry(fixture, prefix + ".grad_input")))
      << prefix << ": input gradient";
  return y;
}

class LayersFixture : public test::DeviceTest {};

TEST_P(LayersFixture, PoolingMatchesTorch) {
  Fixture fixture = load_fixture("layers_pooling");
  const Tensor& x = entry(fixture, "x");
  PoolWindow window = PoolWindow::square(3, 2, 1);
  expect_forward_backward_match(fixture, "max", x, MaxPool2d(window), device());
  expect_forward_backward_match(fixture, "avg", x, AvgPool2d(window, true), device());
  expect_forward_backward_match(fixture, "avg_exclude_pad", x, AvgPool2d(window, false), device());
  expect_forward_backward_match(fixture, "adaptive_3x4", x, AdaptiveAvgPool2d(3, 4), device());
  expect_forward_backward_match(fixture, "adaptive_9x8", x, AdaptiveAvgPool2d(9, 8), device());
}

// One BatchNorm step from the state torch recorded under `prefix`: output, gradients, and the
// running statistics afterwards.
void expect_batch_norm_step_matches(const Fixture& fixture, const std::string& prefix,
                                    BatchNorm& layer, bool training, Device device) {
  Fixture state;
  for (const char* name : {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"})
    state[name] = entry(fixture, prefix + "." + name);
  layer.load_state_dict(state);
  layer.to(device);
  layer.train(training);
  int64_t batches_before = layer.num_batches_tracked().item<int64_t>();
  expect_forward_backward_match(
      fixture, prefix, entry(fixture, prefix + ".input"), [&](const Tensor& x) { return layer(x); },
      device);
  EXPECT_TRUE(test::all_close(layer.weight().grad(), entry(fixture, prefix + ".grad_weight")))
      << prefix << ": weight gradient";
  EXPECT_TRUE(test::all_close(layer.bias().grad(), entry(fixture, prefix + ".grad_bias")))
      << prefix << ": bias gradient";
  EXPECT_TRUE(test::all_close(layer.running_mean(), entry(fixture, prefix + ".running_mean_after")))
      << prefix << ": running_mean";
  EXPECT_TRUE(test::all_close(layer.running_var(), entry(fixture, prefix + ".running_var_after")))
      << prefix << ": running_var";
  EXPECT_EQ(layer.num_batches_tracked().item<int64_t>(), batches_before + (training ? 1 : 0));
}

TEST_P(LayersFixture, BatchNorm2dTrainingMatchesTorch) {
  BatchNorm2d layer(4);
  expect_batch_norm_step_matches(load_fixture("layers_batch_norm"), "train", layer, true, device());
}

TEST_P(LayersFixture, BatchNorm2dEvaluationMatchesTorch) {
  BatchNorm2d layer(4);
  expect_batch_norm_step_matches(load_fixture("layers_batch_norm"), "eval", layer, false, device());
}

TEST_P(LayersFixture, BatchNorm1dTrainingMatchesTorch) {
  BatchNorm1d layer(6);
  expect_batch_norm_step_matches(load_fixture("layers_batch_norm"), "train1d", layer, true,
                                 device());
}

TEST_P(LayersFixture, LayerNormMatchesTorch) {
  Fixture fixture = load_fixture("layers_layer_norm");
  LayerNorm layer({4, 5});
  layer.load_state_dict({{"weight", entry(fixture, "weight")}, {"bias", entry(fixture, "bias")}});
  layer.to(device());
  Tensor x = entry(fixture, "input").clone().to(device()).set_requires_grad(true);
  Tensor y = layer(x);
  EXPECT_TRUE(test::all_close(y, entry(fixture, "output")));
  backward(y, entry(fixture, "grad_output").to(device()));
  EXPECT_TRUE(test::all_close(x.grad(), entry(fixture, "grad_input")));
  EXPECT_TRUE(test::all_close(layer.weight().grad(), entry(fixture, "grad_weight")));
  EXPECT_TRUE(test::all_close(layer.bias().grad(), entry(fixture, "grad_bias")));
}

HG_INSTANTIATE_DEVICE_TEST(LayersFixture);

}  // namespace
}  // namespace hg
