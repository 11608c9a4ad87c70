// BatchNorm / LayerNorm kernels. CPU reference: tensor/cpu/normalization.h; the layout and the
// formulas (forward, and dx = (1/M)·σ⁻¹·(M·ĝ − Σĝ − x̂·Σ(ĝ·x̂)) with ĝ = γ·dy) are in
// cuda/normalization.h.
//
// Thread mapping, forward and backward: one block per group (grid-stride over groups), the
// block's threads striding over the group's M elements. The forward makes two passes for the
// statistics (Σx, then Σ(x − μ)², which stays accurate where E[x²] − μ² would cancel) and a
// third to write y; the backward one pass for Σĝ and Σĝ·x̂ and one to write dx. Sums are in
// double and combined by a fixed tree (cuda/block_reduce.h): no atomics, the same every run.
// LayerNorm's dγ, dβ sum over rows instead, in two more kernels described at their definition.
#include <algorithm>

#include "cuda/block_reduce.h"
#include "cuda/check.h"
#include "cuda/convert.h"
#include "cuda/grid_stride.h"
#include "cuda/normalization.h"
#include "cuda/scratch_buffer.h"

namespace hg::cuda {

namespace {

constexpr int kMaxNormalizationThreads = 512;

template <typename T>
__global__ void normalization_forward_kernel(const T* x, const T* weight, const T* bias,
                                             NormalizationLayout layout, double epsilon,
                                             bool compute_statistics, T* mean, T* var, T* y) {
  __shared__ double shared[kMaxNormalizationThreads];
  const int64_t count = layout.outer * layout.inner;
  for (int64_t g = blockIdx.x; g < layout.groups; g += gridDim.x) {
    double group_mean, group_var;
    if (compute_statistics) {
      double total = 0;
      for (int64_t j = threadIdx.x; j < count; j += blockDim.x)
        total += static_cast<double>(x[normalization_offset(layout, g, j)]);
      group_mean = block_sum(total, shared) / static_cast<double>(count);
      double squares = 0;
      for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
        double centered = static_cast<double>(x[normalization_offset(layout, g, j)]) - group_mean;
        squares += centered * centered;
      }
      group_var = block_sum(squares, shared) / static_cast<double>(count);
      if (threadIdx.x == 0) {
        mean[g] = static_cast<T>(group_mean);
        var[g] = static_cast<T>(group_var);
      }
    } else {
      group_mean = static_cast<double>(mean[g]);
      group_var = static_cast<double>(var[g]);
    }
    const double inverse_std = inverse_std_of(group_var, epsilon);
    for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
      int64_t at = normalization_offset(layout, g, j);
      y[at] = normalized_output(x[at], group_mean, inverse_std, weight, bias,
                                affine_index(layout, g, j));
    }
  }
}

template <typename T>
__global__ void normalization_backward_kernel(const T* grad, const T* x, const T* weight,
                                              const T* mean, const T* var,
                                              NormalizationLayout layout, double epsilon,
                                              bool batch_statistics, T* grad_x, T* grad_weight,
                                              T* grad_bias) {
  __shared__ double shared[kMaxNormalizationThreads];
  const int64_t count = layout.outer * layout.inner;
  for (int64_t g = blockIdx.x; g < layout.groups; g += gridDim.x) {
    const double group_mean = static_cast<double>(mean[g]);
    const double inverse_std = inverse_std_of(static_cast<double>(var[g]), epsilon);
    double weighted_total = 0, weighted_normalized_total = 0;  // Σ w·dy, Σ w·dy·x̂
    for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
      int64_t at = normalization_offset(layout, g, j);
      double weighted_grad = element_weight(weight, layout, j) * static_cast<double>(grad[at]);
      weighted_total += weighted_grad;
      weighted_normalized_total +=
          weighted_grad * (static_cast<double>(x[at]) - group_mean) * inverse_std;
    }
    weighted_total = block_sum(weighted_total, shared);
    weighted_normalized_total = block_sum(weighted_normalized_total, shared);
    const double group_scale = group_weight(weight, layout, g) * inverse_std;
    for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
      int64_t at = normalization_offset(layout, g, j);
      grad_x[at] = static_cast<T>(normalization_input_gradient(
          element_weight(weight, layout, j) * static_cast<double>(grad[at]),
          (static_cast<double>(x[at]) - group_mean) * inverse_std, group_scale,
          weighted_total / static_cast<double>(count),
          weighted_normalized_total / static_cast<double>(count), batch_statistics));
    }
    if (threadIdx.x == 0 && layout.affine_axis == AffineAxis::group) {
      if (grad_weight != nullptr) grad_weight[g] = static_cast<T>(weighted_normalized_total);
      if (grad_bias != nullptr) grad_bias[g] = static_cast<T>(weighted_total);
    }
  }
}

constexpr int kColumnsPerBlock = 32, kRowSlices = 16, kRowsPerChunk = 512;
constexpr int64_t kMaxChunkBlocks = 65535;

// LayerNorm's parameter gradients: dγ_i = Σ_r dy[r, i]·x̂[r, i], dβ_i = Σ_r dy[r, i] over the
// rows r = (o, g) of the packed [outer·groups, inner] tensor. A Swin block's LayerNorm has a
// few dozen columns and tens of thousands of rows, so the rows are cut into chunks and summed in
// two passes; one block per column tile alone would leave most of the GPU idle.
// Pass 1, thread mapping: block (c, k) owns 32 columns and chunk k's kRowsPerChunk rows;
// threadIdx.x picks the column (a warp reads 32 neighbouring elements of one row), threadIdx.y
// strides over the chunk's rows, and row slice 0 adds the 16 partials per column in a fixed
// order and writes the chunk's partial sums.
template <typename T>
__global__ void inner_affine_partials_kernel(const T* grad, const T* x, const T* mean, const T* var,
                                             NormalizationLayout layout, double epsilon,
                                             int64_t chunks, double* weight_partials,
                                             double* bias_partials) {
  __shared__ double weight_slices[kRowSlices][kColumnsPerBlock];
  __shared__ double bias_slices[kRowSlices][kColumnsPerBlock];
  const int64_t i = static_cast<int64_t>(blockIdx.x) * kColumnsPerBlock + threadIdx.x;
  const int64_t rows = layout.outer * layout.groups;
  for (int64_t chunk = blockIdx.y; chunk < chunks; chunk += gridDim.y) {
    const int64_t end = rows < (chunk + 1) * kRowsPerChunk ? rows : (chunk + 1) * kRowsPerChunk;
    double weight_total = 0, bias_total = 0;
    if (i < layout.inner) {
      for (int64_t row = chunk * kRowsPerChunk + threadIdx.y; row < end; row += kRowSlices) {
        int64_t g = row % layout.groups, at = row * layout.inner + i;
        double normalized = (static_cast<double>(x[at]) - static_cast<double>(mean[g])) *
                            inverse_std_of(static_cast<double>(var[g]), epsilon);
        weight_total += static_cast<double>(grad[at]) * normalized;
        bias_total += static_cast<double>(grad[at]);
      }
    }
    weight_slices[threadIdx.y][threadIdx.x] = weight_total;
    bias_slices[threadIdx.y][threadIdx.x] = bias_total;
    __syncthreads();
    if (threadIdx.y == 0 && i < layout.inner) {
      for (int slice = 1; slice < kRowSlices; ++slice) {
        weight_total += weight_slices[slice][threadIdx.x];
        bias_total += bias_slices[slice][threadIdx.x];
      }
      weight_partials[chunk * layout.inner + i] = weight_total;
      bias_partials[chunk * layout.inner + i] = bias_total;
    }
    __syncthreads();  // slice 0 has read the slices before the next chunk writes them
  }
}

// Pass 2, one thread per column: the chunks' partial sums added in chunk order (no atomics, so
// the same result every run).
template <typename T>
__global__ void inner_affine_sum_kernel(const double* weight_partials, const double* bias_partials,
                                        int64_t chunks, int64_t inner, T* grad_weight,
                                        T* grad_bias) {
  HG_GRID_STRIDE_LOOP(i, inner) {
    double weight_total = 0, bias_total = 0;
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      weight_total += weight_partials[chunk * inner + i];
      bias_total += bias_partials[chunk * inner + i];
    }
    if (grad_weight != nullptr) grad_weight[i] = static_cast<T>(weight_total);
    if (grad_bias != nullptr) grad_bias[i] = static_cast<T>(bias_total);
  }
}

unsigned int group_blocks(int64_t groups) {
  return static_cast<unsigned int>(groups < 65535LL * 16 ? groups : 65535LL * 16);
}

}  // namespace

template <typename T>
void normalization_forward(const T* x, const T* weight, const T* bias, NormalizationLayout layout,
                           double epsilon, bool compute_statistics, T* mean, T* var, T* y,
                           cudaStream_t stream) {
  const int64_t count = layout.outer * layout.inner;
  // An empty batch still writes its statistics (0/0: NaN, as on the CPU): the backward and the
  // running averages read them.
  if (layout.groups == 0) return;
  normalization_forward_kernel<<<group_blocks(layout.groups),
                                 block_threads_for(count, kMaxNormalizationThreads), 0, stream>>>(
      x, weight, bias, layout, epsilon, compute_statistics, mean, var, y);
  CUDA_CHECK_LAUNCH();
}

template <typename T>
void normalization_backward(const T* grad, const T* x, const T* weight, const T* mean, const T* var,
                            NormalizationLayout layout, double epsilon, bool batch_statistics,
                            T* grad_x, T* grad_weight, T* grad_bias, cudaStream_t stream) {
  // An empty input still gets its parameter gradients (zeros, the empty sums), as on the CPU:
  // only a launch with no blocks is skipped.
  const int64_t count = layout.outer * layout.inner;
  if (layout.groups > 0) {
    normalization_backward_kernel<<<group_blocks(layout.groups),
                                    block_threads_for(count, kMaxNormalizationThreads), 0,
                                    stream>>>(grad, x, weight, mean, var, layout, epsilon,
                                              batch_statistics, grad_x, grad_weight, grad_bias);
    CUDA_CHECK_LAUNCH();
  }
  if (layout.affine_axis != AffineAxis::inner || layout.inner == 0 ||
      (grad_weight == nullptr && grad_bias == nullptr))
    return;
  const int64_t rows = layout.outer * layout.groups;
  const int64_t chunks = std::max<int64_t>((rows + kRowsPerChunk - 1) / kRowsPerChunk, 1);
  ScratchBuffer partials(2 * static_cast<size_t>(chunks * layout.inner) * sizeof(double));
  double* weight_partials = static_cast<double*>(partials.data);
  double* bias_partials = weight_partials + chunks * layout.inner;
  const dim3 grid(
      static_cast<unsigned int>((layout.inner + kColumnsPerBlock - 1) / kColumnsPerBlock),
      static_cast<unsigned int>(std::min(chunks, kMaxChunkBlocks)));
  inner_affine_partials_kernel<<<grid, dim3(kColumnsPerBlock, kRowSlices), 0, stream>>>(
      grad, x, mean, var, layout, epsilon, chunks, weight_partials, bias_partials);
  CUDA_CHECK_LAUNCH();
  inner_affine_sum_kernel<<<blocks_for(layout.inner), kThreadsPerBlock, 0, stream>>>(
      weight_partials, bias_partials, chunks, layout.inner, grad_weight, grad_bias);
  CUDA_CHECK_LAUNCH();
}

#define HG_INSTANTIATE_NORMALIZATION(T)                                                     \
  template void normalization_forward<T>(const T*, const T*, const T*, NormalizationLayout, \
                                         double, bool, T*, T*, T*, cudaStream_t);           \
  template void normalization_backward<T>(const T*, const T*, const T*, const T*, const T*, \
                                          NormalizationLayout, double, bool, T*, T*, T*,    \
                                          cudaStream_t);
HG_FOR_EACH_FLOATING(HG_INSTANTIATE_NORMALIZATION)

}  // namespace hg::cuda
