// gradcheck: compare the gradients backward() computes with central differences.
//
//   ∂L/∂x_i ≈ (L(x + ε e_i) − L(x − ε e_i)) / 2ε,    L = Σ f(inputs) ⊙ w
//
// with w a fixed random weighting of the outputs (so every output element matters, and a
// wrong sign in one of them cannot cancel out). Inputs must be f64 CPU tensors: in f64 the
// truncation and rounding errors of the difference are ~1e-10, far below any real bug.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace hg {

struct GradcheckResult {
  bool passed = false;
  double max_abs_error = 0;  // over every checked element of every input
  std::string report;        // the worst element: input, index, analytic, numeric
};

// Checks ∂/∂inputs of `function` for every input with requires_grad set. An element passes
// when |analytic − numeric| ≤ atol + rtol · |numeric|.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& function,
                          const std::vector<Tensor>& inputs, double epsilon = 1e-6,
                          double atol = 1e-5, double rtol = 1e-3);

}  // namespace hg
