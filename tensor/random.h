// Seeded random tensors. One global generator holds (seed, offset); each call draws its
// elements from Philox counters offset, offset + 1, ... and then advances the offset by the
// number of elements drawn. So a program that calls manual_seed(s) and then makes the same
// calls gets the same numbers on every run, on the CPU and on the GPU alike (cuda/random.h).
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace hg {

// Restart the global generator: seed `seed`, offset 0.
void manual_seed(uint64_t seed);

// The generator's position, to save with a checkpoint and restore on resume.
struct RandomState {
  uint64_t seed = 0;
  uint64_t offset = 0;
};
RandomState random_state();
void set_random_state(const RandomState& state);

}  // namespace hg

namespace hg::ops {

// Uniform in [low, high) (f32 or f64).
Tensor uniform(const Shape& shape, double low = 0, double high = 1, DType dtype = DType::f32,
               Device device = Device::cpu);
// Normal with mean `mean` and standard deviation `std` (f32 or f64).
Tensor normal(const Shape& shape, double mean = 0, double std = 1, DType dtype = DType::f32,
              Device device = Device::cpu);
// 1 with probability p, else 0 (dropout masks): one p for every element, or a tensor of
// probabilities in [0, 1] (the result has its shape, dtype and device).
Tensor bernoulli(const Shape& shape, double p, DType dtype = DType::f32,
                 Device device = Device::cpu);
Tensor bernoulli(const Tensor& probabilities);
// A random permutation of 0..n−1 (i64).
Tensor randperm(int64_t n, Device device = Device::cpu);

}  // namespace hg::ops
