// The resampling of one image by the geometric transforms (resize, crop, resized crop, flip)
// written as one formula per output pixel, which the CPU transforms (data/transforms.cpp) and
// the GPU augmentation kernel (cuda/image_resample.cu) both compile, so the two paths give the
// same pixels.
//
// Along each axis the transforms take the source pixels [start, start + extent), resize them
// (bilinear, half-pixel centres) to `resized` pixels and keep those from `offset` on:
//   random_resized_crop:          start = window, extent = window size, resized = output size;
//   resize then center crop:      start = 0, extent = image size, resized = resize's size,
//                                 offset = the crop's;
//   a crop alone:                 extent = resized, so every weight is 0 (a copy).
// Output pixel i of the axis samples the source at  s = max(0, (i + offset + ½)·extent/resized − ½)
// and blends pixels start + ⌊s⌋ and start + ⌊s⌋ + 1 (both clamped to the window) with weight
// s − ⌊s⌋ of the second; a horizontal flip mirrors the output's columns afterwards.
#pragma once

#include <cstdint>

#include "core/host_device.h"

namespace hg {

struct AxisSampling {
  int start = 0, extent = 0, resized = 0, offset = 0;
};

// One image of a batch: where its pixels are, its size, and its sampling.
struct ImageSampling {
  int64_t source_offset = 0;  // bytes from the start of the batch's pixels to this image's
  int height = 0, width = 0;  // of the source image
  AxisSampling rows, columns;
  int flip = 0;  // 1: mirror the output left–right
};

struct BilinearTap {
  int low, high;  // source pixels, within [0, extent)
  float weight;   // of `high`
};

// Tap of resized pixel `index` for a resize from `extent` to `resized` pixels. The coordinate
// is computed in double, as in PyTorch's CPU kernel, so a resize by a whole factor lands on
// exact quarter and half weights.
HG_HOST_DEVICE BilinearTap bilinear_tap(int index, int extent, int resized) {
  const double scale = static_cast<double>(extent) / resized;
  double source = (index + 0.5) * scale - 0.5;
  if (source < 0) source = 0;
  int low = static_cast<int>(source);
  if (low > extent - 1) low = extent - 1;
  const int high = low + 1 < extent ? low + 1 : extent - 1;
  return {low, high, static_cast<float>(source - low)};
}

// (1−wy)(1−wx)·p00 + (1−wy)wx·p01 + wy(1−wx)·p10 + wy·wx·p11, as two interpolations across and
// one down, rounded to the nearest byte.
HG_HOST_DEVICE uint8_t bilinear_blend(int p00, int p01, int p10, int p11, float row_weight,
                                      float column_weight) {
  const float top = p00 + column_weight * (p01 - p00);
  const float bottom = p10 + column_weight * (p11 - p10);
  const float value = top + row_weight * (bottom - top) + 0.5f;
  // floor of a value in [0.5, 255.5]: the truncation of a positive float.
  const int rounded = static_cast<int>(value);
  return static_cast<uint8_t>(rounded < 0 ? 0 : (rounded > 255 ? 255 : rounded));
}

// Channel `channel` of output pixel (y, x) of an output `width` pixels wide, `pixels` pointing
// at the image's first byte (HWC, `channels` bytes a pixel).
HG_HOST_DEVICE uint8_t sampled_byte(const uint8_t* pixels, const ImageSampling& sampling,
                                    int channels, int width, int y, int x, int channel) {
  if (sampling.flip) x = width - 1 - x;
  const AxisSampling& rows = sampling.rows;
  const AxisSampling& columns = sampling.columns;
  const BilinearTap row = bilinear_tap(y + rows.offset, rows.extent, rows.resized);
  const BilinearTap column = bilinear_tap(x + columns.offset, columns.extent, columns.resized);
  const int64_t row_low = int64_t{rows.start + row.low} * sampling.width;
  const int64_t row_high = int64_t{rows.start + row.high} * sampling.width;
  const int column_low = columns.start + column.low, column_high = columns.start + column.high;
  auto at = [&](int64_t row_base, int column_index) {
    return static_cast<int>(pixels[(row_base + column_index) * channels + channel]);
  };
  return bilinear_blend(at(row_low, column_low), at(row_low, column_high), at(row_high, column_low),
                        at(row_high, column_high), row.weight, column.weight);
}

}  // namespace hg
