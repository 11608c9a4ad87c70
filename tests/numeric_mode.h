// NumericMode: the GPU tests' switch of cuBLAS/cuDNN numerics for one scope. Strict fp32 keeps
// TF32 tensor cores out of f32 products; deterministic mode keeps out algorithms that add with
// atomics. The previous values come back however the scope ends, so a failing assertion
// cannot leave them set for the tests after it in the same binary (compute-sanitizer runs
// whole binaries).
#pragma once

#include "cuda/runtime.h"

namespace hg::test {

class NumericMode {
 public:
  explicit NumericMode(bool strict_fp32, bool deterministic = false)
      : strict_fp32_(cuda::strict_fp32()), deterministic_(cuda::deterministic()) {
    cuda::set_strict_fp32(strict_fp32);
    cuda::set_deterministic(deterministic);
  }
  ~NumericMode() {
    cuda::set_strict_fp32(strict_fp32_);
    cuda::set_deterministic(deterministic_);
  }
  NumericMode(const NumericMode&) = delete;
  NumericMode& operator=(const NumericMode&) = delete;

 private:
  bool strict_fp32_, deterministic_;
};

}  // namespace hg::test
