// The small modules: activations, Flatten, Identity, Sequential (names, modes, chaining) and
// Dropout (scaling, seeding, gradient, evaluation mode, on every device). Then the layers on CUDA
// against the CPU reference (fp32, rtol 1e-5; nothing here uses TF32): pooling through cuDNN
// (tied maxima, and more planes than one cuDNN call takes) and our adaptive kernels, the fused
// BatchNorm / LayerNorm kernels (groups shorter and longer than a block, LayerNorm's parameter
// gradients over partial column tiles and row chunks), dropout's mask, and a small Sequential
// moved to the device.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "autograd/ops.h"
#include "layers/activation.h"
#include "layers/batch_norm.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/layer_norm.h"
#include "layers/pooling.h"
#include "layers/sequential.h"
#include "tensor/ops.h"
#include "tests/device_test.h"

namespace hg {
namespace {

TEST(Layers, ActivationsApplyTheirFunction) {
  Tensor x = Tensor::from_vector(std::vector<double>{-2, -0.5, 0, 1.5}, {4});
  EXPECT_EQ(ReLU()(x).to_vector<double>(), (std::vector<double>{0, 0, 0, 1.5}));
  std::vector<double> sigmoid_values = Sigmoid()(x).to_vector<double>();
  std::vector<double> tanh_values = Tanh()(x).to_vector<double>();
  std::vector<double> gelu_values = GELU()(x).to_vector<double>();
  std::vector<double> inputs{-2, -0.5, 0, 1.5};
  for (size_t i = 0; i < inputs.size(); ++i) {
    double v = inputs[i];
    EXPECT_NEAR(sigmoid_values[i], 1 / (1 + std::exp(-v)), 1e-15);
    EXPECT_NEAR(tanh_values[i], std::tanh(v), 1e-15);
    EXPECT_NEAR(gelu_values[i], 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))), 1e-15);
  }
}

TEST(Layers, FlattenKeepsTheBatchDimAndIdentityPassesThrough) {
  Tensor x = test::random_uniform({2, 3, 4, 5}, 1);
  EXPECT_EQ(Flatten()(x).shape(), (Shape{2, 60}));
  EXPECT_EQ(Flatten(0, 1)(x).shape(), (Shape{6, 4, 5}));
  EXPECT_TRUE(Identity()(x).same(x));
}

TEST(Layers, SequentialNamesChildrenByPositionAndChainsThem) {
  Sequential model{std::make_shared<MaxPool2d>(2), std::make_shared<BatchNorm2d>(3),
                   std::make_shared<ReLU>()};
  auto flatten = model.push_back(std::make_shared<Flatten>());
  EXPECT_EQ(model.size(), 4u);
  EXPECT_EQ(model[3].get(), flatten.get());
  std::vector<std::string> names;
  for (const auto& [name, tensor] : model.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"1.weight", "1.bias"}));
  names.clear();
  for (const auto& [name, tensor] : model.named_buffers()) names.push_back(name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"1.running_mean", "1.running_var", "1.num_batches_tracked"}));

  model.eval();  // evaluation: BatchNorm uses its running statistics, so both forwards agree
  EXPECT_FALSE(model[1]->is_training());
  Tensor x = test::random_uniform({2, 3, 4, 4}, 2);
  Tensor by_hand = flatten->forward(relu(model[1]->forward(max_pool2d(x, PoolWindow::square(2)))));
  EXPECT_EQ(by_hand.shape(), (Shape{2, 12}));
  EXPECT_TRUE(test::all_close(model(x), by_hand, 0, 0));
  model.train();
  EXPECT_TRUE(model[1]->is_training());
  EXPECT_THROW(model[4], Error);
}

class DropoutOnDevice : public test::DeviceTest {};

TEST_P(DropoutOnDevice, DropoutScalesKeptElementsAndIsSeeded) {
  Tensor x = Tensor::ones({100, 100}).to(device());
  manual_seed(7);
  Tensor y = dropout(x, 0.3, true);
  std::vector<float> values = y.to_vector<float>();
  int kept = 0;
  for (float value : values) {
    EXPECT_TRUE(value == 0.0f || std::abs(value - 1 / 0.7f) < 1e-6f) << value;
    kept += value != 0.0f;
  }
  // 10,000 Bernoulli(0.7) draws: mean 7,000, standard deviation ≈ 46.
  EXPECT_NEAR(kept, 7000, 230);
  manual_seed(7);
  EXPECT_EQ(dropout(x, 0.3, true).to_vector<float>(), values);
  EXPECT_NE(dropout(x, 0.3, true).to_vector<float>(), values);  // the generator moved on
}

TEST_P(DropoutOnDevice, DropoutGradientUsesTheSameMask) {
  Tensor x = test::random_uniform({50}, 3).to(device()).set_requires_grad(true);
  Tensor y = dropout(x, 0.5, true);
  backward(sum(y));
  std::vector<float> outputs = y.to_vector<float>(), inputs = x.to_vector<float>(),
                     grads = x.grad().to_vector<float>();
  for (size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_FLOAT_EQ(grads[i], outputs[i] == 0.0f ? 0.0f : 2.0f);
    EXPECT_FLOAT_EQ(outputs[i], inputs[i] * grads[i]);
  }
}

TEST(Layers, GradcheckDropoutWithAFixedMask) {
  // Reseeding inside the function gives every evaluation the same mask.
  Tensor x = test::random_uniform({6, 7}, 5, -1, 1, DType::f64).set_requires_grad(true);
  GradcheckResult result = gradcheck(
      [](const std::vector<Tensor>& in) {
        manual_seed(11);
        return dropout(in[0], 0.3, true);
      },
      {x});
  EXPECT_TRUE(result.passed) << result.report;
}

TEST_P(DropoutOnDevice, DropoutIsTheIdentityInEvaluationAndZeroesEverythingAtOne) {
  Tensor x = test::random_uniform({4, 5}, 4).to(device());
  Dropout layer(0.5);
  layer.eval();
  EXPECT_TRUE(layer(x).same(x));
  EXPECT_TRUE(dropout(x, 0, true).same(x));
  EXPECT_EQ(dropout(x, 1, true).to_vector<float>(), std::vector<float>(20, 0.0f));
  EXPECT_THROW(Dropout(1.5), Error);
}

HG_INSTANTIATE_DEVICE_TEST(DropoutOnDevice);

// CUDA against the CPU reference.
class CudaLayers : public test::DeviceTest {};

using Function = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs `function` on CPU and CUDA copies of `inputs` (each requiring a gradient), backpropagates
// the same random ∂L/∂y on both, and compares the outputs and every input's gradient.
void expect_devices_agree(const std::string& what, const Function& function,
                          const std::vector<Tensor>& inputs, double rtol = 1e-5,
                          double atol = 1e-6) {
  std::vector<Tensor> cpu_inputs, gpu_inputs;
  for (const Tensor& input : inputs) {
    cpu_inputs.push_back(input.clone().set_requires_grad(true));
    gpu_inputs.push_back(input.detach().to(Device::cuda).set_requires_grad(true));
  }
  Tensor cpu_output = function(cpu_inputs), gpu_output = function(gpu_inputs);
  EXPECT_TRUE(test::all_close(gpu_output, cpu_output, rtol, atol)) << what << ": output";
  Tensor grad = test::random_uniform(cpu_output.shape(), 99, -1, 1, cpu_output.dtype());
  backward(cpu_output, grad);
  backward(gpu_output, grad.to(Device::cuda));
  for (size_t i = 0; i < inputs.size(); ++i)
    EXPECT_TRUE(test::all_close(gpu_inputs[i].grad(), cpu_inputs[i].grad(), rtol, atol))
        << what << ": gradient of input " << i;
}

TEST_P(CudaLayers, FixedWindowPoolingMatchesCpu) {
  Tensor x = test::random_uniform({3, 5, 13, 11}, 1, -2, 2);
  struct Case {
    const char* name;
    PoolWindow window;
  };
  for (const Case& c :
       {Case{"3/2/1", PoolWindow::square(3, 2, 1)}, Case{"2/2/0", PoolWindow::square(2)},
        Case{"3x2 rect", PoolWindow{3, 2, 1, 2, 1, 1}}}) {
    for (DType dtype : {DType::f32, DType::f64}) {
      Tensor input = x.to(dtype);
      expect_devices_agree(
          std::string("max ") + c.name,
          [&](const std::vector<Tensor>& in) { return max_pool2d(in[0], c.window); }, {input});
      for (bool include_pad : {true, false})
        expect_devices_agree(
            std::string("avg ") + c.name,
            [&](const std::vector<Tensor>& in) { return avg_pool2d(in[0], c.window, include_pad); },
            {input});
    }
  }
}

TEST_P(CudaLayers, MaxPoolGradientGoesToTheFirstOfTiedMaximaAsOnCpu) {
  // Values in {0, 1}: most windows hold several equal maxima (as after a ReLU, or on a flat
  // image). The CPU, like PyTorch on both devices, sends a window's gradient to its first maximum
  // in row-major order; cuDNN does not document its choice, so this asks it.
  Tensor x =
      ops::binary(BinaryOp::gt, test::random_uniform({2, 3, 9, 8}, 60, 0, 1), Tensor::scalar(0.5));
  for (PoolWindow window : {PoolWindow::square(2), PoolWindow::square(3, 2, 1)})
    expect_devices_agree("max with ties, window " + std::to_string(window.kernel_h),
                         [&](const std::vector<Tensor>& in) { return max_pool2d(in[0], window); },
                         {x});
}

TEST_P(CudaLayers, PoolingOverMorePlanesThanOneCudnnCallTakes) {
  // N·C = 2 · 40,000 = 80,000 planes: cuDNN gets them in two calls of at most 65,535.
  Tensor x = test::random_uniform({2, 40000, 5, 4}, 50, -2, 2);
  expect_devices_agree(
      "max over 80,000 planes",
      [](const std::vector<Tensor>& in) { return max_pool2d(in[0], PoolWindow::square(2, 1)); },
      {x});
  expect_devices_agree("avg over 80,000 planes",
                       [](const std::vector<Tensor>& in) {
                         return avg_pool2d(in[0], PoolWindow::square(3, 2, 1), false);
                       },
                       {x});
}

TEST_P(CudaLayers, AdaptiveAndGlobalPoolingMatchCpu) {
  Tensor x = test::random_uniform({2, 6, 9, 7}, 2, -2, 2);
  for (auto [out_h, out_w] : {std::pair<int64_t, int64_t>{3, 4}, {1, 1}, {9, 7}, {12, 10}})
    expect_devices_agree("adaptive " + std::to_string(out_h) + "x" + std::to_string(out_w),
                         [out_h = out_h, out_w = out_w](const std::vector<Tensor>& in) {
                           return adaptive_avg_pool2d(in[0], out_h, out_w);
                         },
                         {x});
  expect_devices_agree("global avg",
                       [](const std::vector<Tensor>& in) { return global_avg_pool2d(in[0]); }, {x});
  expect_devices_agree(
      "global max", [](const std::vector<Tensor>& in) { return global_max_pool2d(in[0], false); },
      {x});
}

TEST_P(CudaLayers, BatchNormMatchesCpuInTrainingAndEvaluation) {
  // Groups of M = 8·144 = 1152 elements (more than one 512-thread pass) and of M = 3 (most
  // threads idle), with and without affine parameters.
  for (const Shape& shape : {Shape{8, 16, 12, 12}, Shape{3, 40}}) {
    int64_t channels = shape[1];
    Tensor x = test::random_uniform(shape, 3, -3, 5);
    Tensor gamma = test::random_uniform({channels}, 4, 0.5, 1.5);
    Tensor beta = test::random_uniform({channels}, 5, -1, 1);
    Tensor running_mean = test::random_uniform({channels}, 6, -1, 1);
    Tensor running_var = test::random_uniform({channels}, 7, 0.5, 2);
    expect_devices_agree(
        "batch_norm training " + shape_string(shape),
        [](const std::vector<Tensor>& in) {
          return batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true);
        },
        {x, gamma, beta}, 1e-5, 1e-5);
    expect_devices_agree(
        "batch_norm without affine " + shape_string(shape),
        [](const std::vector<Tensor>& in) {
          return batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true);
        },
        {x}, 1e-5, 1e-5);
    expect_devices_agree(
        "batch_norm evaluation " + shape_string(shape),
        [&](const std::vector<Tensor>& in) {
          return batch_norm(in[0], running_mean.to(in[0].device()), running_var.to(in[0].device()),
                            in[1], in[2], false);
        },
        {x, gamma, beta}, 1e-5, 1e-5);
  }
}

TEST_P(CudaLayers, BatchNormRunningStatisticsMatchCpu) {
  BatchNorm2d cpu_layer(6), gpu_layer(6);
  gpu_layer.to(Device::cuda);
  for (uint64_t step = 0; step < 3; ++step) {
    Tensor x = test::random_uniform({4, 6, 5, 5}, 10 + step, -1, 3);
    cpu_layer(x);
    gpu_layer(x.to(Device::cuda));
  }
  for (const auto& [name, tensor] : cpu_layer.named_buffers())
    EXPECT_TRUE(test::all_close(gpu_layer.state_dict()[name].to(DType::f64), tensor.to(DType::f64)))
        << name;
}

TEST_P(CudaLayers, LayerNormMatchesCpu) {
  // D = 200 (the parameter-gradient kernel's last column tile is partial) over 640 rows (two
  // row chunks of up to 512, the second partial); D = 40 over 2,100 rows (five chunks); and a
  // two-dim normalised shape of 33 elements.
  struct Case {
    Shape x_shape, normalized_shape;
  };
  for (const Case& c :
       {Case{{64, 10, 200}, {200}}, Case{{3, 700, 40}, {40}}, Case{{5, 3, 11}, {3, 11}}}) {
    Tensor x = test::random_uniform(c.x_shape, 20, -3, 5);
    Tensor gamma = test::random_uniform(c.normalized_shape, 21, 0.5, 1.5);
    Tensor beta = test::random_uniform(c.normalized_shape, 22, -1, 1);
    Shape normalized = c.normalized_shape;
    expect_devices_agree(
        "layer_norm " + shape_string(c.x_shape),
        [normalized](const std::vector<Tensor>& in) {
          return layer_norm(in[0], normalized, in[1], in[2]);
        },
        {x, gamma, beta}, 1e-5, 1e-5);
    expect_devices_agree(
        "layer_norm without affine " + shape_string(c.x_shape),
        [normalized](const std::vector<Tensor>& in) {
          return layer_norm(in[0], normalized, Tensor(), Tensor());
        },
        {x}, 1e-5, 1e-5);
  }
}

TEST_P(CudaLayers, DropoutDrawsTheSameMaskOnBothDevices) {
  Tensor x = test::random_uniform({37, 53}, 30);
  manual_seed(1234);
  Tensor cpu_output = dropout(x, 0.4, true);
  manual_seed(1234);
  Tensor gpu_output = dropout(x.to(Device::cuda), 0.4, true);
  EXPECT_TRUE(test::all_close(gpu_output, cpu_output, 0, 0));
}

TEST_P(CudaLayers, SequentialTrainsTheSameOnTheDevice) {
  auto make = [] {
    return std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
        std::make_shared<BatchNorm2d>(4), std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(2),
        std::make_shared<AdaptiveAvgPool2d>(3), std::make_shared<Flatten>(),
        std::make_shared<LayerNorm>(Shape{36})});
  };
  auto cpu_model = make(), gpu_model = make();
  gpu_model->to(Device::cuda);
  Tensor x = test::random_uniform({3, 4, 10, 10}, 40, -1, 2);
  Tensor grad = test::random_uniform({3, 36}, 41);
  backward((*cpu_model)(x), grad);
  backward((*gpu_model)(x.to(Device::cuda)), grad.to(Device::cuda));
  auto gpu_parameters = gpu_model->named_parameters();
  auto cpu_parameters = cpu_model->named_parameters();
  ASSERT_EQ(gpu_parameters.size(), cpu_parameters.size());
  for (size_t i = 0; i < cpu_parameters.size(); ++i)
    EXPECT_TRUE(test::all_close(gpu_parameters[i].second.grad(), cpu_parameters[i].second.grad(),
                                1e-5, 1e-5))
        << cpu_parameters[i].first;
}

HG_INSTANTIATE_CUDA_TEST(CudaLayers);

}  // namespace
}  // namespace hg
