// Matrix-product throughput in GFLOP/s (2·m·n·k per product): the CPU GEMM in f32 and f64 on
// square sizes, a linear layer's shape and a batch of small products; with a GPU also cuBLASLt
// in strict fp32, TF32, bf16 and f64. Each case is timed as the best of several runs after a
// warm-up. Writes bench/results/matmul-<device>.json (device "cpu", or the GPU's name) with
// bench_report's fields: the CPU, GPU, git commit, date and load average.
//
//   bench_matmul_bench [--cpu-threads N] [--max-cpu-size S]
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_report.h"
#include "cuda/runtime.h"
#include "tensor/ops.h"

namespace {

using hg::Device;
using hg::DType;
using hg::Tensor;

struct Case {
  const char* op;  // "matmul" or "linear"
  int64_t batch, m, n, k;
};

Tensor random_tensor(const hg::Shape& shape, DType dtype, Device device) {
  std::vector<float> values(static_cast<size_t>(hg::shape_numel(shape)));
  uint32_t state = 12345;
  for (float& value : values) {
    state = state * 1664525u + 1013904223u;
    value = static_cast<float>(state >> 8) / 16777216.0f - 0.5f;
  }
  return Tensor::from_vector(values, shape).to(dtype).to(device);
}

// Seconds of one product: the best of as many runs as fit in ~0.5 s (at least 3), after one
// warm-up run that also builds any cuBLASLt plan.
double time_case(const Case& c, DType dtype, Device device) {
  Tensor a = random_tensor(c.batch > 1 ? hg::Shape{c.batch, c.m, c.k} : hg::Shape{c.m, c.k}, dtype,
                           device);
  const bool linear = std::string(c.op) == "linear";
  Tensor b = linear
                 ? random_tensor({c.n, c.k}, dtype, device)
                 : random_tensor(c.batch > 1 ? hg::Shape{c.batch, c.k, c.n} : hg::Shape{c.k, c.n},
                                 dtype, device);
  Tensor bias = linear ? random_tensor({c.n}, dtype, device) : Tensor();
  auto run = [&] {
    Tensor result = linear ? hg::ops::linear(a, b, bias) : hg::ops::matmul(a, b);
    if (device == Device::cuda) hg::cuda::synchronize();
  };
  return hg::bench::best_seconds(3, 0.5, run);
}

}  // namespace

int main(int argc, char** argv) try {
  const std::string load_before = hg::bench::load_average();
  int64_t max_cpu_size = 1024;
  CLI::App app{"Matrix-product throughput in GFLOP/s", "bench_matmul_bench"};
  hg::bench::add_cpu_threads_option(app);
  app.add_option("--max-cpu-size", max_cpu_size, "largest square size timed on the CPU")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  nlohmann::json results = nlohmann::json::array();
  auto measure = [&](const Case& c, DType dtype, Device device, const char* mode) {
    const double seconds = time_case(c, dtype, device);
    const double gflops = 2.0 * c.batch * c.m * c.n * c.k / seconds / 1e9;
    std::printf("%-5s %-11s %-6s batch %-4lld m %-5lld n %-5lld k %-5lld %9.3f ms %9.1f GFLOP/s\n",
                hg::device_name(device), mode, c.op, static_cast<long long>(c.batch),
                static_cast<long long>(c.m), static_cast<long long>(c.n),
                static_cast<long long>(c.k), seconds * 1e3, gflops);
    std::fflush(stdout);
    results.push_back({{"device", hg::device_name(device)},
                       {"mode", mode},
                       {"op", c.op},
                       {"batch", c.batch},
                       {"m", c.m},
                       {"n", c.n},
                       {"k", c.k},
                       {"seconds", seconds},
                       {"gflops", gflops}});
  };

  // ---- CPU: the blocked GEMM ---------------------------------------------------------------
  std::vector<Case> cpu_cases;
  for (int64_t size : {256, 512, 1024, 2048})
    if (size <= max_cpu_size) cpu_cases.push_back({"matmul", 1, size, size, size});
  cpu_cases.push_back({"linear", 1, 256, 1024, 1024});  // a batch of 256 through a 1024→1024 layer
  cpu_cases.push_back({"matmul", 256, 32, 32, 64});     // many small products (attention-sized)
  for (const Case& c : cpu_cases) {
    measure(c, DType::f32, Device::cpu, "f32");
    measure(c, DType::f64, Device::cpu, "f64");
  }

  // ---- GPU: cuBLASLt -----------------------------------------------------------------------
  if (hg::cuda::available()) {
    std::vector<Case> gpu_cases;
    for (int64_t size : {1024, 2048, 4096, 8192})
      gpu_cases.push_back({"matmul", 1, size, size, size});
    gpu_cases.push_back({"linear", 1, 4096, 4096, 4096});
    gpu_cases.push_back({"matmul", 256, 128, 128, 64});
    for (const Case& c : gpu_cases) {
      hg::cuda::set_strict_fp32(true);
      measure(c, DType::f32, Device::cuda, "f32-strict");
      hg::cuda::set_strict_fp32(false);
      measure(c, DType::f32, Device::cuda, "tf32");
      measure(c, DType::bf16, Device::cuda, "bf16");
      if (c.m <= 4096) measure(c, DType::f64, Device::cuda, "f64");
    }
  }

  hg::bench::write_results("matmul", load_before, results);
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "matmul_bench: error: %s\n", error.what());
  return 1;
}
