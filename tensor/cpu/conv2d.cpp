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
// Chunks. A product's columns are output positions, and the GEMM's micro-kernel covers them in
// panels of 48-64 (tensor/cpu/gemm.cpp): a late ResNet18 stage's 4×4 map would fill a quarter of
// one panel, a VGG16's 2×2 map a sixteenth. So a chunk of images shares each product: their
// matrices sit side by side, column q = b·OH·OW + oh·OW + ow for the chunk's image b, enough
// images for about kMinColumns columns (one image once its map is that large). Outputs and output
// gradients are moved between their own [N, O, OH, OW] layout and the side-by-side one by
// copy_planes, a small cost beside the products.
//
// Threads. With at least as many images as threads, the batch is cut into a few contiguous parts
// per thread, which threads take as they finish (a thread slowed by other work on its core just
// takes fewer); each does its chunks' im2col and GEMMs alone, with its own buffers. The weight
// gradient is summed per part and then across parts in part order, so the result never depends
// on which thread took what. With fewer images, chunks run in turn and the team splits the work
// inside each: im2col and col2im by channel, the GEMM by its blocks.
#include "tensor/cpu/conv2d.h"

#include <omp.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "core/host_allocator.h"
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
// Columns of one product at least, where images allow (file comment: chunks).
constexpr int64_t kMinColumns = 256;
// Per-part weight-gradient sums beyond this (all parts together) are not worth their memory:
// large layers use fewer parts, or run their images in turn on a parallel GEMM.
constexpr size_t kMaxPartialSumBytes = size_t{64} << 20;

bool is_pointwise(const Conv2dShape& shape) {
  return shape.kernel_h == 1 && shape.kernel_w == 1 && shape.stride == 1 && shape.padding == 0;
}

// What a thread's grow-only scratch buffers hold: a chunk's im2col matrix, or a group's outputs
// (or output gradients) side by side. One buffer per thread, role and element type: steady-state
// training allocates nothing here.
enum class Scratch { columns, side_by_side };

template <typename T, Scratch role>
T* scratch(int64_t count) {
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
// the others are padding (begin = end = 0 when the whole input row is padding). Rows of the
// block are `row_length` apart (OH·OW, or more when the rows of other images sit beside them).
// Each channel's rows touch only that channel's plane, so channels are what the team splits.
template <typename Visit>
void for_each_segment(const Conv2dShape& shape, int64_t first_channel, int64_t channels,
                      int64_t row_length, Visit&& visit) {
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
          const int64_t segment = row * row_length + oh * shape.out_w;
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

// im2col of a block of channels: its rows of columns[r, q] (file comment), `row_length` apart.
template <typename T>
void image_to_columns(const T* image, const Conv2dShape& shape, int64_t first_channel,
                      int64_t channels, int64_t row_length, T* columns) {
  const int64_t stride = shape.stride, width = shape.out_w;
  for_each_segment(shape, first_channel, channels, row_length,
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
                      int64_t channels, int64_t row_length, T* image) {
  const int64_t stride = shape.stride;
  for_each_segment(shape, first_channel, channels, row_length,
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

// body(first, count, part) for every chunk, images [first, first + count), of every part, part k
// holding images [k·batch/parts, (k + 1)·batch/parts) and cutting them into chunks of up to
// ⌈kMinColumns / (OH·OW)⌉ images.
template <typename Body>
void for_each_chunk(const Conv2dShape& shape, int64_t parts, Body&& body) {
  const int64_t most =
      std::max<int64_t>(1, (kMinColumns + shape.out_plane() - 1) / shape.out_plane());
  auto run_part = [&](int64_t part) {
    const int64_t end = (part + 1) * shape.batch / parts;
    for (int64_t first = part * shape.batch / parts; first < end; first += most)
      body(first, std::min(most, end - first), part);
  };
  if (parts == 1) return run_part(0);
#pragma omp parallel
  {
    // This thread's own im2col and GEMMs stay on it: a nested team would only add overhead. The
    // setting belongs to this implicit task and ends with the region.
    omp_set_num_threads(1);
#pragma omp for schedule(dynamic)
    for (int64_t part = 0; part < parts; ++part) run_part(part);
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

// Where a chunk's rows of one group lie: row o of the chunk's image b at b·image_stride +
// o·row_stride. An image's own layout is {O·OH·OW, OH·OW}; side by side, {OH·OW, count·OH·OW}.
struct RowLayout {
  int64_t image_stride, row_stride;
};

// Copies `rows` rows of OH·OW values of each of the chunk's `count` images from one layout to
// the other.
template <typename T>
void copy_planes(const T* from, RowLayout from_layout, T* to, RowLayout to_layout, int64_t count,
                 int64_t rows, int64_t plane) {
  for (int64_t b = 0; b < count; ++b)
    for (int64_t o = 0; o < rows; ++o) {
      const T* source = from + b * from_layout.image_stride + o * from_layout.row_stride;
      std::copy(source, source + plane, to + b * to_layout.image_stride + o * to_layout.row_stride);
    }
}

// The layouts of a group's outputs: the images' own, and side by side for a chunk of `count`.
RowLayout own_layout(const Conv2dShape& shape) {
  return {shape.out_channels * shape.out_plane(), shape.out_plane()};
}
RowLayout side_by_side_layout(const Conv2dShape& shape, int64_t count) {
  return {shape.out_plane(), count * shape.out_plane()};
}

// The chunk's output gradients of group g as a [O/groups, count·OH·OW] matrix: in place for one
// image, else copied side by side into this thread's buffer.
template <typename T>
const T* side_by_side_gradient(const T* grad_y, const Conv2dShape& shape, int64_t first,
                               int64_t count, int64_t g) {
  const T* grad = output_group(grad_y, shape, first, g);
  if (count == 1) return grad;
  const int64_t group_out = shape.group_out_channels(), plane = shape.out_plane();
  T* side = scratch<T, Scratch::side_by_side>(group_out * count * plane);
  copy_planes(grad, own_layout(shape), side, side_by_side_layout(shape, count), count, group_out,
              plane);
  return side;
}

// body(first_row, rows, columns) for each column block of group g of the chunk's images
// [first, first + count): the block's rows [first_row, first_row + rows) of their side-by-side
// im2col matrix (rows count·OH·OW long), filled by im2col into this thread's buffer, or the image
// itself, whole, for a pointwise convolution of one image.
template <typename T, typename Body>
void for_each_column_block(const T* x, const Conv2dShape& shape, int64_t first, int64_t count,
                           int64_t g, Body&& body) {
  if (is_pointwise(shape) && count == 1)
    return body(int64_t{0}, shape.patch_size(), input_group(x, shape, first, g));
  const int64_t taps = shape.kernel_h * shape.kernel_w, block = block_channels(shape);
  const int64_t plane = shape.out_plane(), width = count * plane;
  T* columns = scratch<T, Scratch::columns>(block * taps * width);
  for (int64_t c = 0; c < shape.group_in_channels(); c += block) {
    const int64_t channels = std::min(block, shape.group_in_channels() - c);
    for (int64_t b = 0; b < count; ++b)
      image_to_columns(input_group(x, shape, first + b, g), shape, c, channels, width,
                       columns + b * plane);
    body(c * taps, channels * taps, static_cast<const T*>(columns));
  }
}

}  // namespace

template <typename T>
void conv2d_forward(const T* x, const T* weight, const T* bias, T* y, const Conv2dShape& shape) {
  const int64_t group_out = shape.group_out_channels(), patch = shape.patch_size();
  const int64_t plane = shape.out_plane();
  for_each_chunk(shape, image_parts(shape), [&](int64_t first, int64_t count, int64_t) {
    const int64_t width = count * plane;
    for (int64_t g = 0; g < shape.groups; ++g) {
      T* out = output_group(y, shape, first, g);
      T* product = count == 1 ? out : scratch<T, Scratch::side_by_side>(group_out * width);
      if (bias != nullptr)  // the GEMMs then add their products to the bias
        for (int64_t o = 0; o < group_out; ++o)
          std::fill(product + o * width, product + (o + 1) * width, bias[g * group_out + o]);
      // y_g = Σ over blocks of W_g[:, block rows] · columns[block rows, :]
      for_each_column_block(
          x, shape, first, count, g, [&](int64_t first_row, int64_t rows, const T* columns) {
            const MatrixOperand<T> weight_rows{weight + g * group_out * patch + first_row, patch, 1,
                                               StridedIndex{}};
            gemm<T>(group_out, width, rows, 1, weight_rows, row_major(columns, width), product,
                    bias != nullptr || first_row > 0);
          });
      if (count > 1)
        copy_planes(product, side_by_side_layout(shape, count), out, own_layout(shape), count,
                    group_out, plane);
    }
  });
}

template <typename T>
void conv2d_backward_input(const T* grad_y, const T* weight, T* grad_x, const Conv2dShape& shape) {
  const int64_t group_out = shape.group_out_channels(), patch = shape.patch_size();
  const int64_t plane = shape.out_plane(), taps = shape.kernel_h * shape.kernel_w;
  for_each_chunk(shape, image_parts(shape), [&](int64_t first, int64_t count, int64_t) {
    // For a pointwise convolution of one image the one block of columns already is the image's
    // gradient; otherwise the blocks go through col2im onto zeroed gradients.
    const bool direct = is_pointwise(shape) && count == 1;
    const int64_t block = direct ? shape.group_in_channels() : block_channels(shape);
    const int64_t width = count * plane;
    for (int64_t g = 0; g < shape.groups; ++g) {
      const T* grad = side_by_side_gradient(grad_y, shape, first, count, g);
      T* columns = direct ? input_group(grad_x, shape, first, g)
                          : scratch<T, Scratch::columns>(block * taps * width);
      if (!direct)
        for (int64_t b = 0; b < count; ++b) {
          T* image_grad = input_group(grad_x, shape, first + b, g);
          std::fill(image_grad, image_grad + shape.group_in_channels() * shape.in_plane(), T(0));
        }
      // columns[block rows, :] = W_g[:, block rows]ᵀ · ∂y_g, then col2im image by image.
      for (int64_t c = 0; c < shape.group_in_channels(); c += block) {
        const int64_t channels = std::min(block, shape.group_in_channels() - c);
        const MatrixOperand<T> weight_rows_transposed{weight + g * group_out * patch + c * taps, 1,
                                                      patch, StridedIndex{}};
        gemm<T>(channels * taps, width, group_out, 1, weight_rows_transposed,
                row_major(grad, width), columns, false);
        if (!direct)
          for (int64_t b = 0; b < count; ++b)
            columns_to_image(columns + b * plane, shape, c, channels, width,
                             input_group(grad_x, shape, first + b, g));
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
  // One sum per part of the batch, each group's block transposed: [patch, O/groups]. From the
  // host cache (core/host_allocator.h): a fresh block this size would be mapped page by page on
  // every call. The first chunk of a part writes its sums, the others add to them.
  const std::unique_ptr<T, decltype(&memory::host_free)> partial_sums(
      static_cast<T*>(memory::host_allocate(sizeof(T) * static_cast<size_t>(parts * weight_size))),
      &memory::host_free);
  for_each_chunk(shape, parts, [&](int64_t first, int64_t count, int64_t part) {
    T* sums = partial_sums.get() + part * weight_size;
    const bool accumulate = first > part * shape.batch / parts;
    const int64_t width = count * plane;
    for (int64_t g = 0; g < shape.groups; ++g) {
      const T* grad = side_by_side_gradient(grad_y, shape, first, count, g);
      T* group_sums = sums + g * group_out * patch;
      for_each_column_block(
          x, shape, first, count, g, [&](int64_t first_row, int64_t rows, const T* columns) {
            gemm<T>(rows, group_out, width, 1, row_major(columns, width), transpose_of(grad, width),
                    group_sums + first_row * group_out, accumulate);
          });
    }
  });
  // The parts' sums added into the first in part order, in memory order: every sum is the same
  // (((s_0 + s_1) + s_2) + …) whatever thread adds it.
  T* total = partial_sums.get();
  const bool parallel = parts * weight_size >= kParallelColumnEntries;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t i = 0; i < weight_size; ++i)
    for (int64_t part = 1; part < parts; ++part) total[i] += total[part * weight_size + i];
  // ∂W[o, r] = the total's [r, o] within o's group: each group's block transposed, a tile of
  // rows at a time so that the tile's writes stay in cache while its columns are read.
  constexpr int64_t kTile = 16;
  const int64_t row_tiles = (patch + kTile - 1) / kTile;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t tile = 0; tile < shape.groups * row_tiles; ++tile) {
    const int64_t g = tile / row_tiles, first_row = tile % row_tiles * kTile;
    const int64_t rows = std::min(kTile, patch - first_row);
    const T* block = total + g * group_out * patch;
    for (int64_t o = 0; o < group_out; ++o)
      for (int64_t r = first_row; r < first_row + rows; ++r)
        grad_weight[(g * group_out + o) * patch + r] = block[r * group_out + o];
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
