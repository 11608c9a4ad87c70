// Backward of fused window attention, beside its forward: the raw backward gives ∂L/∂q, ∂L/∂k,
// ∂L/∂v and ∂L/∂S per window; the bias is added to every window's scores, so
// ∂L/∂B = Σ_windows ∂L/∂S.
#include "autograd/window_attention.h"

#include "autograd/node.h"
#include "tensor/reduce.h"
#include "tensor/window_attention.h"

namespace hg {

Tensor window_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                        const Tensor& mask) {
  HG_CHECK(!mask.defined() || !mask.requires_grad(),
           "window_attention: the shift mask is a constant; it cannot require a gradient");
  ops::WindowAttentionForward forward = ops::window_attention(q, k, v, bias, mask);
  return record(
      "window_attention", forward.out, {q, k, v, bias},
      [q = q.detach(), k = k.detach(), v = v.detach(), probabilities = forward.probabilities](
          const Tensor& grad, const GradientMask& needs) {
        ops::WindowAttentionGradients gradients =
            ops::window_attention_backward(grad, q, k, v, probabilities);
        return std::vector<Tensor>{gradients.q, gradients.k, gradients.v,
                                   needs[3] ? ops::sum(gradients.scores, {0}) : Tensor()};
      });
}

}  // namespace hg
