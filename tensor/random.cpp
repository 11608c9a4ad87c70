// The global Philox generator and the dispatch of the random ops to tensor/cpu/random.h or
// cuda/random.cu.
#include "tensor/random.h"

#include <mutex>

#include "core/profiler.h"
#include "tensor/captured_draws.h"
#include "tensor/copy.h"
#include "tensor/cpu/random.h"
#include "tensor/indexing.h"
#include "tensor/reduce.h"
#include "tensor/views.h"

namespace hg {

namespace {

// Any fixed value: a program that never seeds is still reproducible.
constexpr uint64_t kDefaultSeed = 0x5EEDC0DE2024ULL;

std::mutex generator_mutex;
RandomState generator{kDefaultSeed, 0};
thread_local CapturedDraws* capture = nullptr;  // this thread's capture in progress, if any

// Where this draw starts; the generator (or the capture) moves past its `count` counters.
cuda::DrawStart reserve(int64_t count, bool on_gpu) {
  std::lock_guard<std::mutex> lock(generator_mutex);
  if (capture != nullptr) {
    HG_CHECK(on_gpu,
             "a CPU random draw inside a CUDA graph capture: the captured step must run "
             "on the GPU (set cuda_graph = off to run it eagerly)");
    return {generator.seed, capture->take(count), capture->device_base()};
  }
  cuda::DrawStart start{generator.seed, generator.offset, nullptr};
  generator.offset += static_cast<uint64_t>(count);
  return start;
}

}  // namespace

CapturedDraws::CapturedDraws(const Tensor& device_base)
    : device_base_(device_base.data<uint64_t>()) {
  HG_CHECK(device_base.is_cuda() && device_base.numel() == 1,
           "CapturedDraws: the base must be one u64 on the GPU, got ", device_base.description());
  HG_CHECK(capture == nullptr, "CapturedDraws: a capture is already in progress on this thread");
  capture = this;
}

CapturedDraws::~CapturedDraws() { capture = nullptr; }

uint64_t CapturedDraws::take(int64_t count) {
  const uint64_t start = drawn_;
  drawn_ += static_cast<uint64_t>(count);
  return start;
}

void prepare_replay_draws(const Tensor& device_base, uint64_t drawn) {
  uint64_t offset = 0;
  {
    std::lock_guard<std::mutex> lock(generator_mutex);
    offset = generator.offset;
    generator.offset += drawn;
  }
  ops::copy_(device_base, Tensor::from_vector(std::vector<uint64_t>{offset}, {1}));
}

void manual_seed(uint64_t seed) { set_random_state({seed, 0}); }

RandomState random_state() {
  std::lock_guard<std::mutex> lock(generator_mutex);
  return generator;
}

void set_random_state(const RandomState& state) {
  std::lock_guard<std::mutex> lock(generator_mutex);
  generator = state;
}

}  // namespace hg

namespace hg::ops {

namespace {

Tensor draw(Distribution distribution, const Shape& shape, double a, double b, DType dtype,
            Device device, const char* op) {
  Tensor result = Tensor::empty(shape, dtype, device);
  profiler::Scope scope(op, result.is_cuda());
  dispatch_floating(dtype, op, [&](auto zero) {
    using T = decltype(zero);
    const cuda::DrawStart start = reserve(result.numel(), result.is_cuda());
    if (result.is_cuda()) {
      cuda::random_fill<T>(distribution, T(a), T(b), result.data<T>(), result.numel(), start,
                           cuda::current_stream());
    } else {
      cpu::random_fill<T>(distribution, T(a), T(b), result.data<T>(), result.numel(), start.seed,
                          start.offset);
    }
  });
  return result;
}

// result[i] = 1 with probability probabilities[i], known to lie in [0, 1]; any view.
Tensor draw_bernoulli(const Tensor& probabilities) {
  Tensor result =
      Tensor::empty(probabilities.shape(), probabilities.dtype(), probabilities.device());
  StridedIndex index =
      broadcast_index(probabilities.shape(), probabilities.strides(), probabilities.shape());
  profiler::Scope scope("bernoulli", result.is_cuda());
  dispatch_floating(result.dtype(), "bernoulli", [&](auto zero) {
    using T = decltype(zero);
    const cuda::DrawStart start = reserve(result.numel(), result.is_cuda());
    if (result.is_cuda()) {
      cuda::bernoulli<T>(probabilities.data<T>(), index, result.data<T>(), result.numel(), start,
                         cuda::current_stream());
    } else {
      cpu::bernoulli<T>(probabilities.data<T>(), index, result.data<T>(), result.numel(),
                        start.seed, start.offset);
    }
  });
  return result;
}

}  // namespace

Tensor uniform(const Shape& shape, double low, double high, DType dtype, Device device) {
  HG_CHECK(low <= high, "uniform: low ", low, " is above high ", high);
  return draw(Distribution::uniform, shape, low, high, dtype, device, "uniform");
}

Tensor normal(const Shape& shape, double mean, double std, DType dtype, Device device) {
  HG_CHECK(std >= 0, "normal: std must be non-negative, got ", std);
  return draw(Distribution::normal, shape, mean, std, dtype, device, "normal");
}

Tensor bernoulli(const Shape& shape, double p, DType dtype, Device device) {
  HG_CHECK(p >= 0 && p <= 1, "bernoulli: probability ", p, " is outside [0, 1]");
  // Every element reads the one probability through a stride-0 view, checked just above: no
  // mask-sized fill, and none of the range check's reductions and waits for the GPU (dropout
  // comes here in every training step).
  return draw_bernoulli(ops::expand(Tensor::scalar(p, dtype, device), shape));
}

Tensor bernoulli(const Tensor& probabilities) {
  check_defined(probabilities, "bernoulli");
  HG_CHECK(probabilities.dtype() == DType::f32 || probabilities.dtype() == DType::f64,
           "bernoulli: probabilities must be f32 or f64, got ", probabilities.description());
  if (probabilities.numel() > 0) {
    // Both bounds in one copy: one wait for the GPU, not two.
    std::vector<double> bounds =
        stack({min(probabilities), max(probabilities)}, 0).to(DType::f64).to_vector<double>();
    HG_CHECK(bounds[0] >= 0 && bounds[1] <= 1, "bernoulli: probabilities ",
             probabilities.description(), " must lie in [0, 1], found ",
             bounds[0] < 0 ? bounds[0] : bounds[1]);
  }
  return draw_bernoulli(probabilities);
}

Tensor randperm(int64_t n, Device device) {
  HG_CHECK(n >= 0, "randperm: n must be non-negative, got ", n);
  Tensor result = Tensor::empty({n}, DType::i64, device);
  profiler::Scope scope("randperm", result.is_cuda());
  const cuda::DrawStart start = reserve(n, result.is_cuda());
  if (result.is_cuda()) {
    cuda::randperm(result.data<int64_t>(), n, start, cuda::current_stream());
  } else {
    cpu::randperm(result.data<int64_t>(), n, start.seed, start.offset);
  }
  return result;
}

}  // namespace hg::ops
