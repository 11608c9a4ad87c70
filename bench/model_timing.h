// Timing a backbone as training runs it, for backbones_bench.cpp and swin_bench.cpp: one pass is
// the forward alone (no graph) or the forward and backward of the features' sum (parameter
// gradients included).
#pragma once

#include <cstdio>

#include "autograd/node.h"
#include "autograd/reduce.h"
#include "bench/bench_report.h"
#include "core/profiler.h"
#include "cuda/runtime.h"
#include "layers/module.h"

namespace hg::bench {

inline void model_pass(Module& model, const Tensor& images, bool backward) {
  if (backward) {
    model.zero_grad();
    hg::backward(sum(model(images)));
  } else {
    NoGradGuard no_grad;
    model(images);
  }
  if (images.is_cuda()) cuda::synchronize();
}

// Seconds of one pass: best_seconds (bench_report.h) of at least `runs` passes and `budget`.
inline double best_pass_seconds(Module& model, const Tensor& images, bool backward, int runs,
                                double budget) {
  return best_seconds(runs, budget, [&] { model_pass(model, images, backward); });
}

// Prints the per-op table (core/profiler.h) of one forward + backward pass.
inline void print_profile(Module& model, const Tensor& images) {
  profiler::reset();
  profiler::enable(true);
  model_pass(model, images, true);
  profiler::enable(false);
  std::printf("%s\n", profiler::table().c_str());
}

}  // namespace hg::bench
