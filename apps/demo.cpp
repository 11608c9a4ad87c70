// `hashgrad demo`: the smallest end-to-end use of the engine. A two-layer MLP learns to
// classify points drawn around four random centres, with autograd and Adam, on the GPU when
// there is one. The loss printed every few steps falls from about ln 4 ≈ 1.39 (chance) as the
// network separates the overlapping classes.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "apps/cli.h"
#include "apps/command.h"
#include "autograd/ops.h"
#include "autograd/softmax.h"
#include "cuda/runtime.h"
#include "layers/activation.h"
#include "layers/linear.h"
#include "layers/sequential.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "train/optimizer.h"

namespace {

int run_demo(int argc, char** argv) {
  CLI::App app{"Fit a two-layer MLP on generated data and print the loss falling"};
  std::string device_name = "auto";
  int steps = 200;
  uint64_t seed = 0;
  app.add_option("--device", device_name, "cpu, cuda or auto")->capture_default_str();
  app.add_option("--steps", steps, "optimizer steps")
      ->capture_default_str()
      ->check(hg::app::integer_in(1, 1000000));
  app.add_option("--seed", seed, "random seed")->capture_default_str();
  if (!hg::app::parse_arguments(app, argc, argv)) return 0;
  hg::Device device = hg::parse_device(device_name);
  hg::manual_seed(seed);

  const int64_t points = 2048, features = 16, classes = 4;
  // Data: class ids at random; each point = its class centre + unit noise.
  hg::Tensor centres = hg::ops::normal({classes, features}, 0, 0.5);
  hg::Tensor labels = hg::ops::uniform({points}, 0, classes).to(hg::DType::i64);
  hg::Tensor inputs =
      hg::ops::add(hg::ops::index_select(centres, 0, labels), hg::ops::normal({points, features}));
  inputs = inputs.to(device);
  labels = labels.to(device);

  auto model = std::make_shared<hg::Sequential>(std::initializer_list<std::shared_ptr<hg::Module>>{
      std::make_shared<hg::Linear>(features, 64), std::make_shared<hg::ReLU>(),
      std::make_shared<hg::Linear>(64, classes)});
  model->to(device);
  hg::Optimizer optimizer = hg::make_adam(model->parameters(), 1e-2);

  std::printf("demo: MLP %lld-64-%lld, %lld parameters, %lld points, on %s\n",
              static_cast<long long>(features), static_cast<long long>(classes),
              static_cast<long long>(model->parameter_count()), static_cast<long long>(points),
              hg::device_name(device));
  for (int step = 0; step <= steps; ++step) {
    optimizer.zero_grad();
    hg::Tensor loss = hg::cross_entropy((*model)(inputs), labels);
    if (step % 25 == 0 || step == steps)
      std::printf("step %4d  loss %.4f\n", step, loss.item<float>());
    if (step == steps) break;
    hg::backward(loss);
    optimizer.step();
  }
  hg::NoGradGuard no_grad;
  hg::Tensor predicted = hg::ops::argmax((*model)(inputs), 1);
  double accuracy =
      hg::ops::mean(hg::ops::binary(hg::BinaryOp::eq, predicted, labels).to(hg::DType::f32))
          .item<float>();
  std::printf("training accuracy %.4f\n", accuracy);
  return 0;
}

}  // namespace

HG_COMMAND("demo", "fit a small MLP on generated data (the engine's smoke test)", run_demo);
