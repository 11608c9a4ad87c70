// Backward of pooling, beside its forward:
//   max:      ∂L/∂x = Σ over windows of g[window] at the window's maximum, 0 elsewhere
//   average:  ∂L/∂x = Σ over windows holding x of g[window] / divisor
//   adaptive: the same with each cell's own window (cuda/pooling.h)
// Global pooling is a reduction over the plane's two dims, so it reuses hg::mean / hg::max.
#include "autograd/pooling.h"

#include "autograd/node.h"
#include "autograd/reduce.h"
#include "tensor/pooling.h"

namespace hg {

namespace {

Tensor pool(PoolMode mode, const Tensor& x, const PoolWindow& window) {
  Tensor y = ops::pool2d(mode, x, window);
  return record(
      pool_name(mode), y, {x},
      [mode, window, x = x.detach(), y = y.detach()](const Tensor& grad, const GradientMask&) {
        return std::vector<Tensor>{ops::pool2d_backward(mode, grad, x, y, window)};
      });
}

}  // namespace

Tensor max_pool2d(const Tensor& x, const PoolWindow& window) {
  return pool(PoolMode::max, x, window);
}

Tensor avg_pool2d(const Tensor& x, const PoolWindow& window, bool count_include_pad) {
  return pool(
      count_include_pad ? PoolMode::average_include_padding : PoolMode::average_exclude_padding, x,
      window);
}

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
  Tensor y = ops::adaptive_avg_pool2d(x, out_h, out_w);
  return record("adaptive_avg_pool2d", y, {x},
                [input_shape = x.shape()](const Tensor& grad, const GradientMask&) {
                  return std::vector<Tensor>{ops::adaptive_avg_pool2d_backward(grad, input_shape)};
                });
}

Tensor global_avg_pool2d(const Tensor& x, bool keepdim) {
  ops::check_image_batch(x, "global_avg_pool2d");
  return mean(x, {-2, -1}, keepdim);
}

Tensor global_max_pool2d(const Tensor& x, bool keepdim) {
  ops::check_image_batch(x, "global_max_pool2d");
  return max(x, {-2, -1}, keepdim);
}

}  // namespace hg
