// Backbone cost: for every backbone of layers/models/backbone.h, its parameter count and the
// seconds of one batch forward alone (no graph) and forward + backward (a training step's
// passes, parameter gradients included), in training mode, on batches of 64 of 28×28 gray
// (Fashion-MNIST; not VGG, which needs 32 pixels) and 32×32 RGB images (CIFAR), plus the
// attention configurations of the papers (cnn5 + mixed, vgg16 + cbam, resnet18 + dual). With a
// GPU also in strict fp32 and TF32, and at 224×224. Each time is the best of as many runs as fit
// in --seconds (at least --runs) after a warm-up. Writes bench/results/backbones-<device>.json
// (device "cpu", or the GPU's name) with the CPU, thread count, GPU, git commit and date, and the
// machine's load average before and after: CPU times taken on a shared machine are only as good
// as the cores it had to spare.
//
//   bench_backbones_bench [--cpu-threads N] [--batch B] [--seconds S] [--runs R] [--case NAME]
//                         [--profile]
#include <omp.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_report.h"
#include "bench/model_timing.h"
#include "cuda/runtime.h"
#include "layers/models/backbone.h"
#include "tensor/random.h"

namespace {

using hg::Device;
using hg::Tensor;

struct Case {
  const char* backbone;
  hg::AttentionKind attention;
  int64_t in_channels, image_size;
};

// The 28×28 gray and 32×32 RGB cases of every backbone, and the papers' attention layouts.
std::vector<Case> small_input_cases() {
  using hg::AttentionKind;
  std::vector<Case> cases;
  for (const char* backbone : {"smallcnn", "cnn5", "alexnet", "resnet18"})
    cases.push_back({backbone, AttentionKind::none, 1, 28});
  cases.push_back({"cnn5", AttentionKind::mixed, 1, 28});  // attention-ADSH on Fashion-MNIST
  for (const char* backbone : {"smallcnn", "cnn5", "alexnet", "vgg16", "vgg16_bn", "resnet18"})
    cases.push_back({backbone, AttentionKind::none, 3, 32});
  cases.push_back({"vgg16", AttentionKind::cbam, 3, 32});     // AM-VGGH
  cases.push_back({"resnet18", AttentionKind::dual, 3, 32});  // DAHP
  return cases;
}

}  // namespace

int main(int argc, char** argv) try {
  int64_t batch = 64;
  double budget = 3;
  int runs = 2;
  std::string only;
  bool profile = false;
  CLI::App app{"Backbone cost: seconds per batch, forward and forward + backward",
               "bench_backbones_bench"};
  hg::bench::add_cpu_threads_option(app);
  app.add_option("--batch", batch, "images per batch")->capture_default_str();
  app.add_option("--seconds", budget, "time budget per case")->capture_default_str();
  app.add_option("--runs", runs, "timed runs per case, at least")->capture_default_str();
  app.add_option("--case", only, "only the backbones whose name contains this text");
  app.add_flag("--profile", profile, "print the per-op table of each case");
  CLI11_PARSE(app, argc, argv);

  const std::string load_before = hg::bench::load_average();
  nlohmann::json results = nlohmann::json::array();
  auto measure = [&](const Case& c, Device device, const char* mode) {
    if (std::string(c.backbone).find(only) == std::string::npos) return;
    hg::manual_seed(1);
    hg::BackboneOptions options;
    options.in_channels = c.in_channels;
    options.image_size = c.image_size;
    options.attention = c.attention;
    hg::Backbone backbone = hg::make_backbone(c.backbone, options);
    backbone.module->to(device);
    backbone.module->train();
    Tensor images = hg::ops::uniform({batch, c.in_channels, c.image_size, c.image_size}, -1, 1,
                                     hg::DType::f32, device);
    const double forward =
        hg::bench::best_pass_seconds(*backbone.module, images, false, runs, budget);
    const double training =
        hg::bench::best_pass_seconds(*backbone.module, images, true, runs, budget);
    const std::string input = std::to_string(c.in_channels) + "x" + std::to_string(c.image_size) +
                              "x" + std::to_string(c.image_size);
    const char* attention = hg::attention_kind_name(c.attention);
    std::printf(
        "%-5s %-10s %-9s %-6s %-9s batch %-4lld %11lld params  forward %9.2f ms  "
        "forward+backward %9.2f ms  %9.1f images/s\n",
        hg::device_name(device), mode, c.backbone, attention, input.c_str(),
        static_cast<long long>(batch), static_cast<long long>(backbone.module->parameter_count()),
        forward * 1e3, training * 1e3, static_cast<double>(batch) / training);
    std::fflush(stdout);
    results.push_back({{"device", hg::device_name(device)},
                       {"mode", mode},
                       {"backbone", c.backbone},
                       {"attention", attention},
                       {"input", input},
                       {"batch", batch},
                       {"parameters", backbone.module->parameter_count()},
                       {"feature_dim", backbone.feature_dim},
                       {"forward_seconds", forward},
                       {"forward_backward_seconds", training},
                       {"training_images_per_second", static_cast<double>(batch) / training}});
    if (profile) hg::bench::print_profile(*backbone.module, images);
  };

  for (const Case& c : small_input_cases()) measure(c, Device::cpu, "f32");
  if (hg::cuda::available()) {
    for (bool strict : {true, false}) {
      hg::cuda::set_strict_fp32(strict);
      const char* mode = strict ? "f32-strict" : "tf32";
      for (const Case& c : small_input_cases()) measure(c, Device::cuda, mode);
      for (const char* backbone : {"alexnet", "vgg16", "vgg16_bn", "resnet18"})
        measure({backbone, hg::AttentionKind::none, 3, 224}, Device::cuda, mode);
    }
  }

  hg::bench::write_results("backbones", load_before, results);
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "backbones_bench: error: %s\n", error.what());
  return 1;
}
