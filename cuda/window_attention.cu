// Fused window attention kernels: one kernel per direction for Swin's
//   S = q kᵀ + B_h + M_b,   P = softmax_rows(S),   out = P v
// and its backward (formulas and layouts: tensor/cpu/window_attention.h, the CPU reference).
//
// Thread mapping: one block per (window, head), grid-stride over windows·heads. The block
// stages that window's q, k, v (and G = ∂L/∂out) [N, d] and its N × N scores in shared memory
// (N = 49 tokens, d = 32 in Swin-T: 27 KB forward, 44 KB backward in f32), so each is read from
// global memory once instead of once per composed op. Within a block:
//   - score and gradient-of-score entries (i, j): one thread each, strided over N²;
//   - row softmax and the backward's row dot Σ_k P_ik ∂L/∂P_ik: one warp per row, lanes strided
//     over the row and combined by shuffles in a fixed order (no atomics: same result every run);
//   - output entries (i, c) of out, ∂L/∂q, ∂L/∂k, ∂L/∂v: one thread each, strided over N·d.
// Dot products accumulate in T's accumulator (f32 for f32, f64 for f64) in index order.
#include "cuda/window_attention.h"

#include "cuda/check.h"
#include "cuda/elementwise_math.h"

namespace hg::cuda {

namespace {

constexpr int kThreads = 256;
constexpr int kWarp = 32;

// Σ over the warp of `value`, returned to every lane (butterfly: fixed order).
template <typename T>
__device__ T warp_sum(T value) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2)
    value += __shfl_xor_sync(0xffffffffu, value, offset);
  return value;
}

template <typename T>
__device__ T warp_max(T value) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    T other = __shfl_xor_sync(0xffffffffu, value, offset);
    value = other > value ? other : value;
  }
  return value;
}

// Copies `count` elements to shared memory, the block's threads strided over them.
template <typename T>
__device__ void stage(const T* source, T* destination, int64_t count) {
  for (int64_t at = threadIdx.x; at < count; at += blockDim.x) destination[at] = source[at];
}

template <typename T>
__global__ void window_attention_kernel(const T* q, const T* k, const T* v, const T* bias,
                                        const T* mask, T* out, T* probabilities, int64_t windows,
                                        int64_t heads, int64_t tokens, int64_t head_dim,
                                        int64_t mask_windows) {
  extern __shared__ unsigned char shared_bytes[];
  T* shared = reinterpret_cast<T*>(shared_bytes);
  const int64_t matrix = tokens * head_dim, square = tokens * tokens;
  T *q_s = shared, *k_s = q_s + matrix, *v_s = k_s + matrix, *p_s = v_s + matrix;
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
  const int warps = blockDim.x / kWarp;
  for (int64_t window_head = blockIdx.x; window_head < windows * heads; window_head += gridDim.x) {
    const int64_t window = window_head / heads, head = window_head % heads;
    __syncthreads();  // the previous (window, head) is done with shared memory
    stage(q + window_head * matrix, q_s, matrix);
    stage(k + window_head * matrix, k_s, matrix);
    stage(v + window_head * matrix, v_s, matrix);
    __syncthreads();
    const T* bias_h = bias + head * square;
    const T* mask_w = mask != nullptr ? mask + (window % mask_windows) * square : nullptr;
    for (int64_t at = threadIdx.x; at < square; at += blockDim.x) {
      const int64_t i = at / tokens, j = at % tokens;
      T score = 0;
      for (int64_t c = 0; c < head_dim; ++c) score += q_s[i * head_dim + c] * k_s[j * head_dim + c];
      p_s[at] = score + bias_h[at] + (mask_w != nullptr ? mask_w[at] : T(0));
    }
    __syncthreads();
    for (int64_t i = warp; i < tokens; i += warps) {
      T* row = p_s + i * tokens;
      T largest = row[0];
      for (int64_t j = lane; j < tokens; j += kWarp) largest = row[j] > largest ? row[j] : largest;
      largest = warp_max(largest);
      T total = 0;
      for (int64_t j = lane; j < tokens; j += kWarp) {
        row[j] = math_exp(row[j] - largest);
        total += row[j];
      }
      const T inverse_total = T(1) / warp_sum(total);
      for (int64_t j = lane; j < tokens; j += kWarp) {
        row[j] *= inverse_total;
        probabilities[window_head * square + i * tokens + j] = row[j];
      }
    }
    __syncthreads();
    for (int64_t at = threadIdx.x; at < matrix; at += blockDim.x) {
      const int64_t i = at / head_dim, c = at % head_dim;
      T sum = 0;
      for (int64_t j = 0; j < tokens; ++j) sum += p_s[i * tokens + j] * v_s[j * head_dim + c];
      out[window_head * matrix + at] = sum;
    }
  }
}

template <typename T>
__global__ void window_attention_backward_kernel(const T* grad_out, const T* q, const T* k,
                                                 const T* v, const T* probabilities, T* grad_q,
                                                 T* grad_k, T* grad_v, T* grad_scores,
                                                 int64_t windows, int64_t heads, int64_t tokens,
                                                 int64_t head_dim) {
  extern __shared__ unsigned char shared_bytes[];
  T* shared = reinterpret_cast<T*>(shared_bytes);
  const int64_t matrix = tokens * head_dim, square = tokens * tokens;
  T *q_s = shared, *k_s = q_s + matrix, *v_s = k_s + matrix, *g_s = v_s + matrix;
  T *p_s = g_s + matrix, *ds_s = p_s + square;
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
  const int warps = blockDim.x / kWarp;
  for (int64_t window_head = blockIdx.x; window_head < windows * heads; window_head += gridDim.x) {
    const int64_t at_matrix = window_head * matrix, at_square = window_head * square;
    __syncthreads();
    stage(q + at_matrix, q_s, matrix);
    stage(k + at_matrix, k_s, matrix);
    stage(v + at_matrix, v_s, matrix);
    stage(grad_out + at_matrix, g_s, matrix);
    stage(probabilities + at_square, p_s, square);
    __syncthreads();
    for (int64_t at = threadIdx.x; at < square; at += blockDim.x) {  // ∂L/∂P = G vᵀ
      const int64_t i = at / tokens, j = at % tokens;
      T grad_p = 0;
      for (int64_t c = 0; c < head_dim; ++c)
        grad_p += g_s[i * head_dim + c] * v_s[j * head_dim + c];
      ds_s[at] = grad_p;
    }
    __syncthreads();
    for (int64_t i = warp; i < tokens; i += warps) {  // ∂L/∂S = P (∂L/∂P − row dot)
      T dot = 0;
      for (int64_t j = lane; j < tokens; j += kWarp)
        dot += p_s[i * tokens + j] * ds_s[i * tokens + j];
      dot = warp_sum(dot);
      for (int64_t j = lane; j < tokens; j += kWarp) {
        const int64_t at = i * tokens + j;
        ds_s[at] = p_s[at] * (ds_s[at] - dot);
        grad_scores[at_square + at] = ds_s[at];
      }
    }
    __syncthreads();
    for (int64_t at = threadIdx.x; at < matrix; at += blockDim.x) {
      const int64_t row = at / head_dim, c = at % head_dim;
      T dq = 0, dk = 0, dv = 0;
      for (int64_t other = 0; other < tokens; ++other) {
        dq += ds_s[row * tokens + other] * k_s[other * head_dim + c];
        dk += ds_s[other * tokens + row] * q_s[other * head_dim + c];
        dv += p_s[other * tokens + row] * g_s[other * head_dim + c];
      }
      grad_q[at_matrix + at] = dq;
      grad_k[at_matrix + at] = dk;
      grad_v[at_matrix + at] = dv;
    }
  }
}

// Opts `kernel` in to `bytes` of dynamic shared memory per block, past the default 48 KB where
// the device allows it; a window too large for the device is an error naming the sizes.
template <typename Kernel>
void allow_shared_memory(Kernel kernel, size_t bytes, int64_t tokens, int64_t head_dim) {
  int device = 0, largest = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  CUDA_CHECK(cudaDeviceGetAttribute(&largest, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  HG_CHECK(bytes <= static_cast<size_t>(largest), "window attention: windows of ", tokens,
           " tokens with head dim ", head_dim, " need ", bytes,
           " bytes of shared memory per block; this GPU has ", largest);
  CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  static_cast<int>(bytes)));
}

unsigned int window_blocks(int64_t count) {
  return static_cast<unsigned int>(count < 65535LL * 16 ? count : 65535LL * 16);
}

}  // namespace

template <typename T>
void window_attention(const T* q, const T* k, const T* v, const T* bias, const T* mask, T* out,
                      T* probabilities, int64_t windows, int64_t heads, int64_t tokens,
                      int64_t head_dim, int64_t mask_windows, cudaStream_t stream) {
  if (windows * heads * tokens * head_dim == 0) return;
  const size_t bytes = sizeof(T) * (3 * tokens * head_dim + tokens * tokens);
  allow_shared_memory(window_attention_kernel<T>, bytes, tokens, head_dim);
  window_attention_kernel<T><<<window_blocks(windows * heads), kThreads, bytes, stream>>>(
      q, k, v, bias, mask, out, probabilities, windows, heads, tokens, head_dim, mask_windows);
  CUDA_CHECK_LAUNCH();
}

template <typename T>
void window_attention_backward(const T* grad_out, const T* q, const T* k, const T* v,
                               const T* probabilities, T* grad_q, T* grad_k, T* grad_v,
                               T* grad_scores, int64_t windows, int64_t heads, int64_t tokens,
                               int64_t head_dim, cudaStream_t stream) {
  if (windows * heads * tokens * head_dim == 0) return;
  const size_t bytes = sizeof(T) * (4 * tokens * head_dim + 2 * tokens * tokens);
  allow_shared_memory(window_attention_backward_kernel<T>, bytes, tokens, head_dim);
  window_attention_backward_kernel<T><<<window_blocks(windows * heads), kThreads, bytes, stream>>>(
      grad_out, q, k, v, probabilities, grad_q, grad_k, grad_v, grad_scores, windows, heads, tokens,
      head_dim);
  CUDA_CHECK_LAUNCH();
}

#define HG_INSTANTIATE_WINDOW_ATTENTION(T)                                                         \
  template void window_attention<T>(const T*, const T*, const T*, const T*, const T*, T*, T*,      \
                                    int64_t, int64_t, int64_t, int64_t, int64_t, cudaStream_t);    \
  template void window_attention_backward<T>(const T*, const T*, const T*, const T*, const T*, T*, \
                                             T*, T*, T*, int64_t, int64_t, int64_t, int64_t,       \
                                             cudaStream_t);
HG_INSTANTIATE_WINDOW_ATTENTION(float)
HG_INSTANTIATE_WINDOW_ATTENTION(double)

}  // namespace hg::cuda
