// Colour jitter, torchvision's ColorJitter on uint8 image tensors: brightness, contrast,
// saturation and hue factors drawn per image, applied in a random order.
//
// Each adjustment is torchvision.transforms.functional's on uint8 tensors, with its rounding:
// results are computed in f32 and truncated to 8 bits (not rounded), grey is
// ⌊0.2989 R + 0.587 G + 0.114 B⌋, and
//   brightness f:  p' = clamp(f·p)
//   contrast f:    p' = clamp(f·p + (1 − f)·m),  m the mean grey value of the image
//   saturation f:  p' = clamp(f·p + (1 − f)·grey(pixel))
//   hue f:         RGB → HSV, h' = (h + f) mod 1, HSV → RGB (torchvision's _rgb2hsv/_hsv2rgb)
// Grey (1-channel) images change in brightness and contrast only, as in torchvision.
#pragma once

#include <memory>

#include "data/transforms.h"

namespace hg::data {

Image adjust_brightness(const Image& image, float factor);
Image adjust_contrast(const Image& image, float factor);
Image adjust_saturation(const Image& image, float factor);
// factor in [−0.5, 0.5]: a turn of the colour wheel by factor · 360°.
Image adjust_hue(const Image& image, float factor);

// ColorJitter(brightness, contrast, saturation, hue): factors drawn uniformly from
// [max(0, 1 − b), 1 + b] (contrast and saturation likewise) and [−h, h]; a zero leaves that
// adjustment out. The four run in an order shuffled per image.
struct ColorJitterOptions {
  double brightness = 0, contrast = 0, saturation = 0, hue = 0;
};
std::shared_ptr<const Transform> color_jitter(ColorJitterOptions options);

}  // namespace hg::data
