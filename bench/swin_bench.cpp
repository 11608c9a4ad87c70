// Swin backbone throughput: seconds per batch (and images per second) through swin_micro,
// forward alone (no graph) and forward + backward (autograd, parameter gradients included, as
// a training step runs them), with and without the mixed-attention (CAB) branch, on 32×32 RGB
// batches of 64; with a GPU also in strict fp32 and TF32, and swin_tiny at 224×224. Each case
// is the best of as many runs as fit in --seconds (at least 3) after a warm-up. --profile
// prints hashgrad's per-op table of one forward + backward of each case. Writes
// bench/results/swin-<device>.json (device "cpu", or the GPU's name) with the CPU, thread
// count, GPU, git commit, date and load average.
//
//   bench_swin_bench [--cpu-threads N] [--batch B] [--seconds S] [--profile]
#include <omp.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/bench_report.h"
#include "bench/model_timing.h"
#include "cuda/runtime.h"
#include "layers/models/swin.h"
#include "tensor/random.h"

namespace {

using hg::Device;
using hg::Tensor;

struct Case {
  const char* model;
  bool mixed_attention;
  int64_t batch, image_size;
};

}  // namespace

int main(int argc, char** argv) try {
  const std::string load_before = hg::bench::load_average();
  int64_t batch = 64;
  double budget = 5;
  bool profile = false;
  CLI::App app{"Swin backbone throughput", "bench_swin_bench"};
  hg::bench::add_cpu_threads_option(app);
  app.add_option("--batch", batch, "images per batch")->capture_default_str();
  app.add_option("--seconds", budget, "time budget per case")->capture_default_str();
  app.add_flag("--profile", profile, "print the per-op table of each case");
  CLI11_PARSE(app, argc, argv);
  nlohmann::json results = nlohmann::json::array();
  auto measure = [&](const Case& c, Device device, const char* mode) {
    hg::manual_seed(1);
    hg::SwinBackboneOptions options;
    options.image_size = c.image_size;
    options.mixed_attention = c.mixed_attention;
    auto model = hg::make_swin_backbone(c.model, options);
    model->to(device);
    Tensor images =
        hg::ops::uniform({c.batch, 3, c.image_size, c.image_size}, -1, 1, hg::DType::f32, device);
    for (bool backward : {false, true}) {
      const double seconds = hg::bench::best_pass_seconds(*model, images, backward, 3, budget);
      const char* pass = backward ? "forward+backward" : "forward";
      std::printf("%-4s %-10s %-10s %-5s batch %-4lld %3lldx%-3lld %-16s %9.1f ms %9.1f images/s\n",
                  hg::device_name(device), mode, c.model, c.mixed_attention ? "mixed" : "plain",
                  static_cast<long long>(c.batch), static_cast<long long>(c.image_size),
                  static_cast<long long>(c.image_size), pass, seconds * 1e3, c.batch / seconds);
      std::fflush(stdout);
      results.push_back({{"device", hg::device_name(device)},
                         {"mode", mode},
                         {"model", c.model},
                         {"mixed_attention", c.mixed_attention},
                         {"batch", c.batch},
                         {"image_size", c.image_size},
                         {"parameters", model->parameter_count()},
                         {"pass", pass},
                         {"seconds", seconds},
                         {"images_per_second", c.batch / seconds}});
    }
    if (profile) hg::bench::print_profile(*model, images);
  };

  for (bool mixed : {false, true}) measure({"swin_micro", mixed, batch, 32}, Device::cpu, "f32");
  if (hg::cuda::available()) {
    for (bool strict : {true, false}) {
      hg::cuda::set_strict_fp32(strict);
      const char* mode = strict ? "f32-strict" : "tf32";
      for (bool mixed : {false, true}) measure({"swin_micro", mixed, 256, 32}, Device::cuda, mode);
      measure({"swin_tiny", false, 64, 224}, Device::cuda, mode);
    }
  }

  hg::bench::write_results("swin", load_before, results);
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "swin_bench: error: %s\n", error.what());
  return 1;
}
