// The layers of issue 3 on CUDA against the CPU reference (fp32, rtol 1e-5; nothing here
// uses TF32): pooling through cuDNN (tied maxima, and more planes than one cuDNN call takes)
// and our adaptive kernels, the fused BatchNorm / LayerNorm kernels (groups shorter and longer
// than a block, LayerNorm's parameter gradients over partial column tiles and row chunks),
// dropout's mask, and a small Sequential moved to the device.
#include <gtest/gtest.h>

#include <functional>

#include "autograd/ops.h"
#include "layers/activation.h"
#include "layers/batch_norm.h"
#include "layers/flatten.h"
#include "layers/layer_norm.h"
#include "layers/pooling.h"
#include "layers/sequential.h"
#include "tensor/ops.h"
#include "tests/test_support.h"

namespace hg {
namespace {

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

TEST(CudaLayers, FixedWindowPoolingMatchesCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaLayers, MaxPoolGradientGoesToTheFirstOfTiedMaximaAsOnCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaLayers, PoolingOverMorePlanesThanOneCudnnCallTakes) {
  HG_REQUIRE_CUDA();
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

TEST(CudaLayers, AdaptiveAndGlobalPoolingMatchCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaLayers, BatchNormMatchesCpuInTrainingAndEvaluation) {
  HG_REQUIRE_CUDA();
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

TEST(CudaLayers, BatchNormRunningStatisticsMatchCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaLayers, LayerNormMatchesCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaLayers, DropoutDrawsTheSameMaskOnBothDevices) {
  HG_REQUIRE_CUDA();
  Tensor x = test::random_uniform({37, 53}, 30);
  manual_seed(1234);
  Tensor cpu_output = dropout(x, 0.4, true);
  manual_seed(1234);
  Tensor gpu_output = dropout(x.to(Device::cuda), 0.4, true);
  EXPECT_TRUE(test::all_close(gpu_output, cpu_output, 0, 0));
}

TEST(CudaLayers, SequentialTrainsTheSameOnTheDevice) {
  HG_REQUIRE_CUDA();
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

}  // namespace
}  // namespace hg
