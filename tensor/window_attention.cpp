// Fused window attention dispatch: shapes, dtypes and devices are checked here, then
// tensor/cpu/window_attention.h or cuda/window_attention.cu runs on contiguous operands.
#include "tensor/window_attention.h"

#include "core/profiler.h"
#include "cuda/window_attention.h"
#include "tensor/cpu/window_attention.h"

namespace hg::ops {

namespace {

constexpr const char* kOp = "window_attention";

void check_operands(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                    const Tensor& mask) {
  for (const Tensor* x : {&q, &k, &v, &bias}) check_defined(*x, kOp);
  HG_CHECK(q.dtype() == DType::f32 || q.dtype() == DType::f64, kOp, ": dtype ",
           dtype_name(q.dtype()), " is not supported (f32 or f64)");
  for (const Tensor* x : {&k, &v, &bias}) check_same_device_and_dtype(q, *x, kOp);
  HG_CHECK(q.dim() == 4 && k.shape() == q.shape() && v.shape() == q.shape(), kOp,
           ": q, k and v must be [windows, heads, tokens, head_dim] alike, got ", q.description(),
           ", ", k.description(), ", ", v.description());
  const int64_t heads = q.size(1), tokens = q.size(2);
  HG_CHECK(bias.shape() == (Shape{heads, tokens, tokens}), kOp, ": the bias must be [", heads, ", ",
           tokens, ", ", tokens, "], got ", bias.description());
  if (!mask.defined()) return;
  check_same_device_and_dtype(q, mask, kOp);
  HG_CHECK(mask.dim() == 3 && mask.size(1) == tokens && mask.size(2) == tokens &&
               mask.size(0) > 0 && q.size(0) % mask.size(0) == 0,
           kOp, ": the mask must be [mask_windows, ", tokens, ", ", tokens,
           "] with mask_windows dividing the ", q.size(0), " windows, got ", mask.description());
}

}  // namespace

WindowAttentionForward window_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                        const Tensor& bias, const Tensor& mask) {
  check_operands(q, k, v, bias, mask);
  const int64_t windows = q.size(0), heads = q.size(1), tokens = q.size(2), head_dim = q.size(3);
  Tensor q_c = q.contiguous(), k_c = k.contiguous(), v_c = v.contiguous();
  Tensor bias_c = bias.contiguous(), mask_c = mask.defined() ? mask.contiguous() : mask;
  const int64_t mask_windows = mask.defined() ? mask.size(0) : 1;
  WindowAttentionForward result{
      Tensor::empty(q.shape(), q.dtype(), q.device()),
      Tensor::empty({windows, heads, tokens, tokens}, q.dtype(), q.device())};
  profiler::Scope scope(kOp, q.is_cuda());
  dispatch_floating(q.dtype(), kOp, [&](auto zero) {
    using T = decltype(zero);
    const T* mask_data = mask_c.defined() ? mask_c.data<T>() : nullptr;
    if (q.is_cuda()) {
      cuda::window_attention<T>(q_c.data<T>(), k_c.data<T>(), v_c.data<T>(), bias_c.data<T>(),
                                mask_data, result.out.data<T>(), result.probabilities.data<T>(),
                                windows, heads, tokens, head_dim, mask_windows,
                                cuda::current_stream());
    } else {
      cpu::window_attention<T>(q_c.data<T>(), k_c.data<T>(), v_c.data<T>(), bias_c.data<T>(),
                               mask_data, result.out.data<T>(), result.probabilities.data<T>(),
                               windows, heads, tokens, head_dim, mask_windows);
    }
  });
  return result;
}

WindowAttentionGradients window_attention_backward(const Tensor& grad_out, const Tensor& q,
                                                   const Tensor& k, const Tensor& v,
                                                   const Tensor& probabilities) {
  const char* op = "window_attention.backward";
  for (const Tensor* x : {&grad_out, &k, &v, &probabilities})
    check_same_device_and_dtype(q, *x, op);
  HG_CHECK(grad_out.shape() == q.shape(), op, ": the gradient ", grad_out.description(),
           " does not match the output's shape ", shape_string(q.shape()));
  const int64_t windows = q.size(0), heads = q.size(1), tokens = q.size(2), head_dim = q.size(3);
  Tensor g_c = grad_out.contiguous(), q_c = q.contiguous(), k_c = k.contiguous();
  Tensor v_c = v.contiguous(), p_c = probabilities.contiguous();
  auto like = [&](const Shape& shape) { return Tensor::empty(shape, q.dtype(), q.device()); };
  WindowAttentionGradients result{like(q.shape()), like(q.shape()), like(q.shape()),
                                  like({windows, heads, tokens, tokens})};
  profiler::Scope scope(op, q.is_cuda());
  dispatch_floating(q.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    if (q.is_cuda()) {
      cuda::window_attention_backward<T>(g_c.data<T>(), q_c.data<T>(), k_c.data<T>(), v_c.data<T>(),
                                         p_c.data<T>(), result.q.data<T>(), result.k.data<T>(),
                                         result.v.data<T>(), result.scores.data<T>(), windows,
                                         heads, tokens, head_dim, cuda::current_stream());
    } else {
      cpu::window_attention_backward<T>(g_c.data<T>(), q_c.data<T>(), k_c.data<T>(), v_c.data<T>(),
                                        p_c.data<T>(), result.q.data<T>(), result.k.data<T>(),
                                        result.v.data<T>(), result.scores.data<T>(), windows, heads,
                                        tokens, head_dim);
    }
  });
  return result;
}

}  // namespace hg::ops
