// Pooling modules (torch.nn.MaxPool2d, AvgPool2d, AdaptiveAvgPool2d) over [N, C, H, W] or
// [C, H, W] inputs. No parameters; the ops and their rules are in autograd/pooling.h and
// cuda/pooling.h.
#pragma once

#include "cuda/pooling.h"
#include "layers/module.h"

namespace hg {

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(const PoolWindow& window) : window_(window) {}
  // Square window; stride 0 means stride = kernel (torch's default).
  explicit MaxPool2d(int64_t kernel, int64_t stride = 0, int64_t padding = 0)
      : MaxPool2d(PoolWindow::square(kernel, stride, padding)) {}
  Tensor forward(const Tensor& input) override;

 private:
  PoolWindow window_;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(const PoolWindow& window, bool count_include_pad = true)
      : window_(window), count_include_pad_(count_include_pad) {}
  explicit AvgPool2d(int64_t kernel, int64_t stride = 0, int64_t padding = 0,
                     bool count_include_pad = true)
      : AvgPool2d(PoolWindow::square(kernel, stride, padding), count_include_pad) {}
  Tensor forward(const Tensor& input) override;

 private:
  PoolWindow window_;
  bool count_include_pad_;
};

class AdaptiveAvgPool2d : public Module {
 public:
  AdaptiveAvgPool2d(int64_t out_h, int64_t out_w) : out_h_(out_h), out_w_(out_w) {}
  explicit AdaptiveAvgPool2d(int64_t out) : AdaptiveAvgPool2d(out, out) {}
  Tensor forward(const Tensor& input) override;

 private:
  int64_t out_h_, out_w_;
};

}  // namespace hg
