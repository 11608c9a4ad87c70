// Colour jitter (see color_jitter.h): the four adjustments and the random transform.
#include "data/color_jitter.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace hg::data {

namespace {

// f32 to u8 as torch's .to(torch.uint8) after a clamp to [0, 255]: truncation.
uint8_t truncate_to_byte(float value) {
  return static_cast<uint8_t>(std::clamp(value, 0.f, 255.f));
}

uint8_t grey_of(const uint8_t* pixel) {
  return static_cast<uint8_t>(0.2989f * pixel[0] + 0.587f * pixel[1] + 0.114f * pixel[2]);
}

// p' = f·p + (1 − f)·other(pixel, channel), truncated: torchvision's _blend.
template <typename Other>
Image blend(const Image& image, float factor, Other other) {
  Image out(image.size);
  const int channels = image.size.channels;
  const int64_t pixels = int64_t{image.size.height} * image.size.width;
  for (int64_t p = 0; p < pixels; ++p) {
    const uint8_t* in = image.pixels.data() + p * channels;
    for (int c = 0; c < channels; ++c)
      out.pixels[p * channels + c] = truncate_to_byte(factor * in[c] + (1 - factor) * other(in, c));
  }
  return out;
}

// torchvision's _rgb2hsv on one pixel in [0, 1]: h in [0, 1), s, v = max.
std::array<float, 3> rgb_to_hsv(float r, float g, float b) {
  const float maxc = std::max({r, g, b}), minc = std::min({r, g, b});
  const bool equal = maxc == minc;
  const float chroma = maxc - minc;
  const float s = chroma / (equal ? 1.f : maxc);
  const float divisor = equal ? 1.f : chroma;
  const float rc = (maxc - r) / divisor, gc = (maxc - g) / divisor, bc = (maxc - b) / divisor;
  float h;
  if (maxc == r)
    h = bc - gc;
  else if (maxc == g)
    h = 2.f + rc - bc;
  else
    h = 4.f + gc - rc;
  return {std::fmod(h / 6.f + 1.f, 1.f), s, maxc};
}

// torchvision's _hsv2rgb on one pixel.
std::array<float, 3> hsv_to_rgb(float h, float s, float v) {
  const float sector = std::floor(h * 6.f);
  const float f = h * 6.f - sector;
  const int i = ((static_cast<int>(sector) % 6) + 6) % 6;
  const float p = std::clamp(v * (1.f - s), 0.f, 1.f);
  const float q = std::clamp(v * (1.f - s * f), 0.f, 1.f);
  const float t = std::clamp(v * (1.f - s * (1.f - f)), 0.f, 1.f);
  switch (i) {
    case 0:
      return {v, t, p};
    case 1:
      return {q, v, p};
    case 2:
      return {p, v, t};
    case 3:
      return {p, q, v};
    case 4:
      return {t, p, v};
    default:
      return {v, p, q};
  }
}

class ColorJitter : public Transform {
 public:
  explicit ColorJitter(ColorJitterOptions options) : options_(options) {
    for (double value : {options.brightness, options.contrast, options.saturation})
      HG_CHECK(value >= 0, "color_jitter: brightness, contrast and saturation must be ≥ 0, got ",
               value);
    HG_CHECK(options.hue >= 0 && options.hue <= 0.5, "color_jitter: hue must be in [0, 0.5], got ",
             options.hue);
  }

  Image apply(const Image& image, Random& random) const override {
    std::array<int, 4> order{0, 1, 2, 3};
    for (size_t i = order.size(); i > 1; --i)
      std::swap(order[i - 1], order[static_cast<size_t>(random.below(i))]);
    auto around_one = [&](double spread) {
      const double low = std::max(0.0, 1 - spread), high = 1 + spread;
      return static_cast<float>(low + (high - low) * random.uniform());
    };
    const float brightness = around_one(options_.brightness);
    const float contrast = around_one(options_.contrast);
    const float saturation = around_one(options_.saturation);
    const float hue = static_cast<float>(options_.hue * (2 * random.uniform() - 1));
    Image out = image;
    for (int step : order) {
      if (step == 0 && options_.brightness > 0) out = adjust_brightness(out, brightness);
      if (step == 1 && options_.contrast > 0) out = adjust_contrast(out, contrast);
      if (step == 2 && options_.saturation > 0) out = adjust_saturation(out, saturation);
      if (step == 3 && options_.hue > 0) out = adjust_hue(out, hue);
    }
    return out;
  }
  ImageSize output_size(ImageSize input) const override { return input; }
  std::string description() const override {
    return detail::concat("color_jitter(", options_.brightness, ", ", options_.contrast, ", ",
                          options_.saturation, ", ", options_.hue, ")");
  }

 private:
  ColorJitterOptions options_;
};

}  // namespace

Image adjust_brightness(const Image& image, float factor) {
  return blend(image, factor, [](const uint8_t*, int) { return 0.f; });
}

Image adjust_contrast(const Image& image, float factor) {
  const int channels = image.size.channels;
  const int64_t pixels = int64_t{image.size.height} * image.size.width;
  double sum = 0;
  for (int64_t p = 0; p < pixels; ++p) {
    const uint8_t* in = image.pixels.data() + p * channels;
    sum += channels == 3 ? grey_of(in) : in[0];
  }
  const float mean = static_cast<float>(sum / std::max<int64_t>(pixels, 1));
  return blend(image, factor, [mean](const uint8_t*, int) { return mean; });
}

Image adjust_saturation(const Image& image, float factor) {
  if (image.size.channels != 3) return image;
  return blend(image, factor,
               [](const uint8_t* pixel, int) { return static_cast<float>(grey_of(pixel)); });
}

Image adjust_hue(const Image& image, float factor) {
  HG_CHECK(factor >= -0.5f && factor <= 0.5f, "adjust_hue: the factor ", factor,
           " is not in [-0.5, 0.5]");
  if (image.size.channels != 3) return image;
  Image out(image.size);
  for (size_t p = 0; p < image.pixels.size(); p += 3) {
    const uint8_t* in = image.pixels.data() + p;
    std::array<float, 3> hsv = rgb_to_hsv(in[0] / 255.f, in[1] / 255.f, in[2] / 255.f);
    float h = std::fmod(hsv[0] + factor, 1.f);
    if (h < 0) h += 1.f;  // Python's % takes the sign of the divisor
    std::array<float, 3> rgb = hsv_to_rgb(h, hsv[1], hsv[2]);
    for (int c = 0; c < 3; ++c) out.pixels[p + c] = truncate_to_byte(rgb[c] * 255.f);
  }
  return out;
}

std::shared_ptr<const Transform> color_jitter(ColorJitterOptions options) {
  return std::make_shared<ColorJitter>(options);
}

}  // namespace hg::data
