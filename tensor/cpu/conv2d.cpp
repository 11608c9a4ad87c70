// CPU convolution (tensor/cpu/conv2d.h) as im2col + GEMM.
//
// im2col lays out what one image's group of channels contributes to each output position as a
// matrix: column q = oh·OW + ow holds the patch that output (oh, ow) reads, row
// r = (c·kH + i)·kW + j one (channel, kernel row, kernel column) of it:
//   columns[r, q] = x[c, oh·s − p + i·d, ow·s − p + j·d]          (0 where that is padding)
// The weight of group g, [O/groups, C/groups, kH, kW], is already the matching [O/groups, patch]
// matrix W_g, so per image n and group g:
//   forward          y_ng [O/groups, OH·OW]  = W_g · columns_ng            (bias prefilled)
//   backward input   columns [patch, OH·OW]  = W_gᵀ · ∂y_ng, then col2im adds every entry back
//                                              onto the input element it was copied from
//   backward weight  ∂W_gᵀ [patch, O/groups] += columns_ng · ∂y_ngᵀ        summed over images
// all three on the blocked GEMM, whose packing reads the transposed operands in place. (The
// weight gradient is formed transposed so that the operand the GEMM repacks for every product,
// ∂y_ngᵀ, is the small one.) A 1×1 convolution with stride 1 and no padding has columns = the
// image itself: no copy either way.
//
// Blocks. The patch rows are handled a block of whole channels at a time, about as many rows as
// the GEMM's depth block, so that a block's columns stay in L2 between im2col writing them and
// the GEMM reading them (a whole 3×3 × 64-channel matrix of a 32×32 image is 2.4 MB). Blocks
// split the forward's sum over patch rows, and the rows of the backward products.
//
// Threads. With at least as many images as threads, the batch is cut into a few contiguous parts
// per thread, which threads take as they finish (a thread slowed by other work on its core just
// takes fewer); each does its images' im2col and GEMMs alone, with its own column buffer. The
// weight gradient is summed per part and then across parts in part order, so the result never
// depends on which thread took what. With fewer images, images run in turn and the team splits
// the work inside each: im2col and col2im by channel, the GEMM by its blocks.
#include "tensor/cpu/conv2d.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "tensor/cpu/matmul.h"

namespace hg::cpu {

namespace {

// Below this many multiply-adds a convolution stays on one thread: waking the team costs more.
constexpr int64_t kParallelMultiplyAdds = 64 * 64 * 64;
// Parts of the batch per thread: enough for the dynamic schedule to even out unequal cores.
constexpr int64_t kPartsPerThread = 4;
// Patch rows per column block: the GEMM's depth block (tensor/cpu/gemm.cpp).
constexpr int64_t kBlockRows = 256;
// Below this many column entries per block an im2col stays on one thread.
constexpr int64_t kParallelColumnEntries = 1 << 15;
// Per-part weight-gradient sums beyond this (all parts together) are not worth their memory:
// large layers use fewer parts, or run their images in turn on a parallel GEMM.
constexpr size_t kMaxPartialSumBytes = size_t{64} << 20;

bool is_pointwise(const Conv2dShape& shape) {
  return shape.kernel_h == 1 && shape.kernel_w == 1 && shape.stride == 1 && shape.padding == 0;
}

// One image's im2col matrix, in a grow-only buffer per thread and element type: steady-state
// training allocates nothing here.
template <typename T>
T* column_buffer(int64_t count) {
  thread_local std::vector<T> buffer;
  if (static_cast<int64_t>(buffer.size()) < count) buffer.resize(static_cast<size_t>(count));
  return buffer.data();
}

// A row-major matrix with rows of `row_length` elements, and the transpose of one.
template <typename T>
MatrixOperand<T> row_major(const T* data, int64_t row_length) {
  return {data, row_length, 1, StridedIndex{}};
}
template <typename T>
MatrixOperand<T> transpose_of(const T* data, int64_t row_length) {
  return {data, 1, row_length, StridedIndex{}};
}

// The output columns ow whose input column ow·s − p + j·d lies inside [0, W): [begin, end).
struct ColumnRange {
  int64_t begin, end;
};

ColumnRange inside_columns(const Conv2dShape& shape, int64_t j) {
  const int64_t first = j * shape.dilation - shape.padding;  // the input column of ow = 0
  // ow·s + first ≥ 0  ⇔  ow ≥ ceil(−first / s);   ow·s + first ≤ W − 1  ⇔  ow ≤ (W − 1 − first) / s
  int64_t begin = first >= 0 ? 0 : (-first + shape.stride - 1) / shape.stride;
  int64_t end = first > shape.in_w - 1 ? 0 : (shape.in_w - 1 - first) / shape.stride + 1;
  begin = std::min(begin, shape.out_w);
  end = std::clamp(end, begin, shape.out_w);
  return {begin, end};
}

// Whole channels per column block (at least one).
int64_t block_channels(const Conv2dShape& shape) {
  return std::max<int64_t>(1, kBlockRows / (shape.kernel_h * shape.kernel_w));
}

// Walks the im2col correspondence of channels [first_channel, first_channel + channels) of one
// image's group. For each row of their block of the matrix (row 0 = the first channel's first
// tap) and each output row oh it calls
//   visit(segment, input, begin, end)
// with `segment` the offset in the block of that row's OW entries for oh, and `input` the offset
// in the image of what entry `begin` reads: entries begin ≤ ow < end read input + (ow − begin)·s,
// the others are padding (begin = end = 0 when the whole input row is padding). Each channel's
// rows touch only that channel's plane, so channels are what the team splits.
template <typename Visit>
void for_each_segment(const Conv2dShape& shape, int64_t first_channel, int64_t channels,
                      Visit&& visit) {
  const int64_t taps = shape.kernel_h * shape.kernel_w;
  const bool parallel = omp_get_max_threads() > 1 && channels > 1 &&
                        channels * taps * shape.out_plane() >= kParallelColumnEntries;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < shape.kernel_h; ++i)
      for (int64_t j = 0; j < shape.kernel_w; ++j) {
        const int64_t row = (c * shape.kernel_h + i) * shape.kernel_w + j;
        const int64_t plane = (first_channel + c) * shape.in_plane();
        const ColumnRange range = inside_columns(shape, j);
        for (int64_t oh = 0; oh < shape.out_h; ++oh) {
          const int64_t segment = (row * shape.out_h + oh) * shape.out_w;
          const int64_t h = oh * shape.stride - shape.padding + i * shape.dilation;
          if (h < 0 || h >= shape.in_h || range.begin == range.end) {
            visit(segment, int64_t{0}, int64_t{0}, int64_t{0});
          } else {
            const int64_t w = range.begin * shape.stride + j * shape.dilation - shape.padding;
            visit(segment, plane + h * shape.in_w + w, range.begin, range.end);
          }
        }
      }
}

// im2col of a block of channels: its rows of columns[r, q] (file comment).
template <typename T>
void image_to_columns(const T* image, const Conv2dShape& shape, int64_t first_channel,
                      int64_t channels, T* columns) {
  const int64_t stride = shape.stride, width = shape.out_w;
  for_each_segment(shape, first_channel, channels,
                   [&](int64_t segment, int64_t input, int64_t begin, int64_t end) {
                     T* out = columns + segment;
                     const T* in = image + input;
                     std::fill(out, out + begin, T(0));
                     if (stride == 1) {
                       std::copy(in, in + (end - begin), out + begin);
                     } else {
                       for (int64_t ow = begin; ow < end; ++ow) out[ow] = in[(ow - begin) * stride];
                     }
                     std::fill(out + end, out + width, T(0));
                   });
}

// col2im of a block of channels: image[element] += every entry of the block that im2col copied
// from that element (padding entries go nowhere). The image must be zeroed (or hold what to add
// to) beforehand.
template <typename T>
void columns_to_image(const T* columns, const Conv2dShape& shape, int64_t first_channel,
                      int64_t channels, T* image) {
  const int64_t stride = shape.stride;
  for_each_segment(shape, first_channel, channels,
                   [&](int64_t segment, int64_t input, int64_t begin, int64_t end) {
                     const T* from = columns + segment + begin;
                     T* to = image + input;
                     const int64_t count = end - begin;
                     if (stride == 1) {
                       for (int64_t k = 0; k < count; ++k) to[k] += from[k];
                     } else {
                       for (int64_t k = 0; k < count; ++k) to[k * stride] += from[k];
                     }
                   });
}

// How many parts the batch is cut into: a few per thread when every thread gets an image and
// there is enough work to repay waking the team, else one (images in turn, the team inside each
// where the GEMM or im2col is large enough).
int64_t image_parts(const Conv2dShape& shape) {
  const int threads = omp_get_max_threads();
  const int64_t multiply_adds =
      shape.batch * shape.out_channels * shape.out_plane() * shape.patch_size();
  if (threads == 1 || shape.batch < threads || multiply_adds < kParallelMultiplyAdds) return 1;
  return std::min<int64_t>(shape.batch, kPartsPerThread * threads);
}

// body(n, part) for every image n, part k holding images [k·batch/parts, (k + 1)·batch/parts).
template <typename Body>
void for_each_image(int64_t batch, int64_t parts, Body&& body) {
  if (parts == 1) {
    for (int64_t n = 0; n < batch; ++n) body(n, 0);
    return;
  }
#pragma omp parallel
  {
    // This thread's own im2col and GEMMs stay on it: a nested team would only add overhead. The
    // setting belongs to this implicit task and ends with the region.
    omp_set_num_threads(1);
#pragma omp for schedule(dynamic)
    for (int64_t part = 0; part < parts; ++part)
      for (int64_t n = part * batch / parts; n < (part + 1) * batch / parts; ++n) body(n, part);
  }
}

// Pointers to image n's group g: its input channels, its output channels.
template <typename T>
T* input_group(T* x, const Conv2dShape& shape, int64_t n, int64_t g) {
  return x + (n * shape.in_channels + g * shape.group_in_channels()) * shape.in_plane();
}
template <typename T>
T* output_group(T* y, const Conv2dShape& shape, int64_t n, int64_t g) {
  return y + (n * shape.out_channels + g * shape.group_out_channels()) * shape.out_plane();
}

// body(first_row, rows, columns) for each column block of image n's group g: the block's rows
// [first_row, first_row + rows) of the im2col matrix, filled by im2col into this thread's
// buffer, or the image itself, whole, for a pointwise convolution.
template <typename T, typename Body>
void for_each_column_block(const T* x, const Conv2dShape& shape, int64_t n, int64_t g,
                           Body&& body) {
  const T* image = input_group(x, shape, n, g);
  if (is_pointwise(shape)) return body(int64_t{0}, shape.patch_size(), image);
  const int64_t taps = shape.kernel_h * shape.kernel_w, block = block_channels(shape);
  T* columns = column_buffer<T>(block * taps * shape.out_plane());
  for (int64_t c = 0; c < shape.group_in_channels(); c += block) {
    const int64_t channels = std::min(block, shape.group_in_channels() - c);
    image_to_columns(image, shape, c, channels, columns);
    body(c * taps, channels * taps, static_cast<const T*>(columns));
  }
}

}  // namespace

template <typename T>
void conv2d_forward(const T* x, const T* weight, const T* bias, T* y, const Conv2dShape& shape) {
  const int64_t group_out = shape.group_out_channels(), patch = shape.patch_size();
  const int64_t plane = shape.out_plane();
  for_each_image(shape.batch, image_parts(shape), [&](int64_t n, int64_t) {
    for (int64_t g = 0; g < shape.groups; ++g) {
      T* out = output_group(y, shape, n, g);
      if (bias != nullptr)  // the GEMMs then add their products to the bias
        for (int64_t o = 0; o < group_out; ++o)
          std::fill(out + o * plane, out + (o + 1) * plane, bias[g * group_out + o]);
      // y_ng = Σ over blocks of W_g[:, block rows] · columns[block rows, :]
      for_each_column_block(x, shape, n, g, [&](int64_t first_row, int64_t rows, const T* columns) {
        const MatrixOperand<T> weight_rows{weight + g * group_out * patch + first_row, patch, 1,
                                           StridedIndex{}};
        gemm<T>(group_out, plane, rows, 1, weight_rows, row_major(columns, plane), out,
                bias != nullptr || first_row > 0);
      });
    }
  });
}

template <typename T>
void conv2d_backward_input(const T* grad_y, const T* weight, T* grad_x, const Conv2dShape& shape) {
  const int64_t group_out = shape.group_out_channels(), patch = shape.patch_size();
  const int64_t plane = shape.out_plane(), taps = shape.kernel_h * shape.kernel_w;
  const bool pointwise = is_pointwise(shape);
  const int64_t block = pointwise ? shape.group_in_channels() : block_channels(shape);
  for_each_image(shape.batch, image_parts(shape), [&](int64_t n, int64_t) {
    for (int64_t g = 0; g < shape.groups; ++g) {
      T* image_grad = input_group(grad_x, shape, n, g);
      const T* grad = output_group(grad_y, shape, n, g);
      if (!pointwise)
        std::fill(image_grad, image_grad + shape.group_in_channels() * shape.in_plane(), T(0));
      // columns[block rows, :] = W_g[:, block rows]ᵀ · ∂y_ng, then col2im; for a pointwise
      // convolution the one block of columns already is the image's gradient.
      T* columns = pointwise ? image_grad : column_buffer<T>(block * taps * plane);
      for (int64_t c = 0; c < shape.group_in_channels(); c += block) {
        const int64_t channels = std::min(block, shape.group_in_channels() - c);
        const MatrixOperand<T> weight_rows_transposed{weight + g * group_out * patch + c * taps, 1,
                                                      patch, StridedIndex{}};
        gemm<T>(channels * taps, plane, group_out, 1, weight_rows_transposed,
                row_major(grad, plane), columns, false);
        if (!pointwise) columns_to_image(columns, shape, c, channels, image_grad);
      }
    }
  });
}

template <typename T>
void conv2d_backward_weight(const T* grad_y, const T* x, T* grad_weight, const Conv2dShape& shape) {
  const int64_t group_out = shape.group_out_channels(), patch = shape.patch_size();
  const int64_t plane = shape.out_plane(), weight_size = shape.out_channels * patch;
  const int64_t affordable = static_cast<int64_t>(kMaxPartialSumBytes / sizeof(T)) / weight_size;
  int64_t parts = std::min(image_parts(shape), affordable);
  if (parts < 2) parts = 1;
  // One sum per part of the batch, each group's block transposed: [patch, O/groups].
  std::vector<T> partial_sums(static_cast<size_t>(parts * weight_size), T(0));
  for_each_image(shape.batch, parts, [&](int64_t n, int64_t part) {
    T* sums = partial_sums.data() + part * weight_size;
    for (int64_t g = 0; g < shape.groups; ++g) {
      const T* grad = output_group(grad_y, shape, n, g);
      T* group_sums = sums + g * group_out * patch;
      for_each_column_block(x, shape, n, g, [&](int64_t first_row, int64_t rows, const T* columns) {
        gemm<T>(rows, group_out, plane, 1, row_major(columns, plane), transpose_of(grad, plane),
                group_sums + first_row * group_out, true);
      });
    }
  });
  // ∂W[o, r] = Σ over parts, in part order, of the sums' [r, o] within o's group.
#pragma omp parallel for schedule(static) if (parts * weight_size >= kParallelColumnEntries)
  for (int64_t o = 0; o < shape.out_channels; ++o) {
    const int64_t group_block = o / group_out * group_out * patch, column = o % group_out;
    for (int64_t r = 0; r < patch; ++r) {
      T total = 0;
      for (int64_t part = 0; part < parts; ++part)
        total += partial_sums[part * weight_size + group_block + r * group_out + column];
      grad_weight[o * patch + r] = total;
    }
  }
}

#define HG_INSTANTIATE_CONV2D(T)                                                         \
  template void conv2d_forward<T>(const T*, const T*, const T*, T*, const Conv2dShape&); \
  template void conv2d_backward_input<T>(const T*, const T*, T*, const Conv2dShape&);    \
  template void conv2d_backward_weight<T>(const T*, const T*, T*, const Conv2dShape&);
HG_INSTANTIATE_CONV2D(float)
HG_INSTANTIATE_CONV2D(double)
#undef HG_INSTANTIATE_CONV2D

}  // namespace hg::cpu
