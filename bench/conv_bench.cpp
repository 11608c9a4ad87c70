// Convolution throughput: images per second through one convolution, forward alone and forward +
// backward (∂x, ∂w and ∂b through autograd, as a training step runs them), and the GFLOP/s that
// makes (2·N·O·OH·OW·(C/groups)·kH·kW per pass; forward + backward is three passes). The
// headline case is a 3×3 convolution, 64 → 64 channels, padding 1, on 32×32 images (a CIFAR
// VGG/ResNet stage) in batches of 64 and 256; the others are shapes the backbones use. CPU:
// im2col + the blocked GEMM; with a GPU also cuDNN in strict fp32 and in TF32. Each case is the
// best of as many runs as fit in --seconds (at least 3), after a warm-up run that also builds any
// cuDNN plan. The CPU cases run on one thread (the single-core efficiency) and on all of them
// (OpenMP's default, or --cpu-threads). Writes bench/results/conv-<device>.json (device "cpu", or
// the GPU's name) with the CPU, thread counts, GPU, git commit and date.
//
//   bench_conv_bench [--cpu-threads N] [--cpu-max-batch B] [--seconds S] [--case TEXT]
//
// --case runs only the cases whose name contains TEXT ("headline", "1x1", ...).
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/conv2d.h"
#include "autograd/node.h"
#include "bench/bench_report.h"
#include "cuda/runtime.h"
#include "tensor/random.h"

namespace {

using hg::Device;
using hg::Tensor;

struct Case {
  const char* name;
  int64_t batch, in_channels, out_channels, size, kernel, stride, padding, groups;

  int64_t out_size() const { return (size + 2 * padding - kernel) / stride + 1; }
  double flops_per_pass() const {
    return 2.0 * static_cast<double>(batch * out_channels * out_size() * out_size() *
                                     (in_channels / groups) * kernel * kernel);
  }
};

// Seconds of one run of the case: the best of as many as fit in `budget` seconds (at least 3).
double time_case(const Case& c, Device device, bool with_backward, double budget) {
  Tensor x =
      hg::ops::uniform({c.batch, c.in_channels, c.size, c.size}, -1, 1, hg::DType::f32, device);
  Tensor weight = hg::ops::uniform({c.out_channels, c.in_channels / c.groups, c.kernel, c.kernel},
                                   -0.1, 0.1, hg::DType::f32, device);
  Tensor bias = hg::ops::uniform({c.out_channels}, -0.1, 0.1, hg::DType::f32, device);
  Tensor grad = hg::ops::uniform({c.batch, c.out_channels, c.out_size(), c.out_size()}, -1, 1,
                                 hg::DType::f32, device);
  for (Tensor* leaf : {&x, &weight, &bias}) leaf->set_requires_grad(with_backward);
  auto run = [&] {
    for (Tensor* leaf : {&x, &weight, &bias}) leaf->zero_grad();  // a fresh step each time
    Tensor y = hg::conv2d(x, weight, bias, c.stride, c.padding, 1, c.groups);
    if (with_backward) hg::backward(y, grad);
    if (device == Device::cuda) hg::cuda::synchronize();
  };
  return hg::bench::best_seconds(3, budget, run);
}

// What the command line asks for.
struct Options {
  int64_t cpu_max_batch = 256;
  double budget = 1.0;
  std::string only;
};

// Times the case forward and forward + backward on `device`, prints a line for each and appends
// it to `results` (unless --case leaves the case out).
void measure(const Case& c, Device device, const char* mode, int threads, const Options& options,
             nlohmann::json& results) {
  if (std::string(c.name).find(options.only) == std::string::npos) return;
  for (bool with_backward : {false, true}) {
    const double seconds = time_case(c, device, with_backward, options.budget);
    const double images = static_cast<double>(c.batch) / seconds;
    const double gflops = c.flops_per_pass() * (with_backward ? 3 : 1) / seconds / 1e9;
    const char* pass = with_backward ? "forward+backward" : "forward";
    std::printf(
        "%-5s %-10s %2d thr  %-28s batch %-4lld %-16s %9.3f ms %9.0f images/s %7.1f "
        "GFLOP/s\n",
        hg::device_name(device), mode, threads, c.name, static_cast<long long>(c.batch), pass,
        seconds * 1e3, images, gflops);
    std::fflush(stdout);
    results.push_back({{"device", hg::device_name(device)},
                       {"mode", mode},
                       {"cpu_threads", threads},
                       {"case", c.name},
                       {"batch", c.batch},
                       {"in_channels", c.in_channels},
                       {"out_channels", c.out_channels},
                       {"size", c.size},
                       {"kernel", c.kernel},
                       {"stride", c.stride},
                       {"padding", c.padding},
                       {"groups", c.groups},
                       {"pass", pass},
                       {"seconds", seconds},
                       {"images_per_second", images},
                       {"gflops", gflops}});
  }
}

// The cases both devices time.
std::vector<Case> shared_cases() {
  // name, batch, in, out, size, kernel, stride, padding, groups
  return {
      {"3x3 64->64 32x32 (headline)", 64, 64, 64, 32, 3, 1, 1, 1},
      {"3x3 64->64 32x32 (headline)", 256, 64, 64, 32, 3, 1, 1, 1},
      {"3x3 1->32 28x28 (fmnist)", 64, 1, 32, 28, 3, 1, 1, 1},
      {"3x3 3->64 32x32 (cifar stem)", 64, 3, 64, 32, 3, 1, 1, 1},
      {"3x3 32->64 14x14", 64, 32, 64, 14, 3, 1, 1, 1},
      {"3x3 64->128 32x32 stride 2", 64, 64, 128, 32, 3, 2, 1, 1},
      {"1x1 64->256 32x32", 64, 64, 256, 32, 1, 1, 0, 1},
      {"3x3 depthwise 64 32x32", 64, 64, 64, 32, 3, 1, 1, 64},
      {"3x3 256->256 8x8 (resnet18 layer3)", 64, 256, 256, 8, 3, 1, 1, 1},
      {"3x3 512->512 4x4 (resnet18 layer4)", 64, 512, 512, 4, 3, 1, 1, 1},
  };
}

// The CPU on one thread, then on all of them (up to --cpu-max-batch).
void measure_cpu(const Options& options, int cpu_threads, nlohmann::json& results) {
  for (int threads : cpu_threads > 1 ? std::vector<int>{1, cpu_threads} : std::vector<int>{1}) {
    omp_set_num_threads(threads);
    for (const Case& c : shared_cases())
      if (c.batch <= options.cpu_max_batch)
        measure(c, Device::cpu, "f32", threads, options, results);
  }
  omp_set_num_threads(cpu_threads);
}

// cuDNN in strict fp32 and in TF32, on the shared cases and two ImageNet-sized ones.
void measure_gpu(const Options& options, int cpu_threads, nlohmann::json& results) {
  std::vector<Case> gpu_cases = shared_cases();
  gpu_cases.push_back({"7x7 3->64 224x224 stride 2", 64, 3, 64, 224, 7, 2, 3, 1});
  gpu_cases.push_back({"3x3 256->256 56x56", 64, 256, 256, 56, 3, 1, 1, 1});
  for (const Case& c : gpu_cases) {
    hg::cuda::set_strict_fp32(true);
    measure(c, Device::cuda, "f32-strict", cpu_threads, options, results);
    hg::cuda::set_strict_fp32(false);
    measure(c, Device::cuda, "tf32", cpu_threads, options, results);
  }
}

}  // namespace

int main(int argc, char** argv) try {
  Options options;
  CLI::App app{"Convolution throughput: images/s and GFLOP/s", "bench_conv_bench"};
  hg::bench::add_cpu_threads_option(app);
  app.add_option("--cpu-max-batch", options.cpu_max_batch, "largest batch timed on the CPU")
      ->capture_default_str();
  app.add_option("--seconds", options.budget, "time budget per case")->capture_default_str();
  app.add_option("--case", options.only, "only the cases whose name contains this text");
  CLI11_PARSE(app, argc, argv);
  nlohmann::json results = nlohmann::json::array();
  const int cpu_threads = omp_get_max_threads();
  const std::string load_before = hg::bench::load_average();
  hg::manual_seed(1);
  measure_cpu(options, cpu_threads, results);
  if (hg::cuda::available()) measure_gpu(options, cpu_threads, results);
  hg::bench::write_results("conv", load_before, results);
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "conv_bench: error: %s\n", error.what());
  return 1;
}
