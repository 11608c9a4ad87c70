// Modules that only pass data on: Flatten (torch.nn.Flatten, dims start_dim..end_dim merged
// into one; by default everything but the batch dim) and Identity (a placeholder, e.g. for a
// removed classifier head).
#pragma once

#include "autograd/views.h"
#include "layers/module.h"

namespace hg {

class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : start_dim_(start_dim), end_dim_(end_dim) {}
  Tensor forward(const Tensor& input) override { return flatten(input, start_dim_, end_dim_); }

 private:
  int64_t start_dim_, end_dim_;
};

class Identity : public Module {
 public:
  Tensor forward(const Tensor& input) override { return input; }
};

}  // namespace hg
