// Image operations, the transform steps built from them, and the conversion to tensors
// (see transforms.h).
#include "data/transforms.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace hg::data {

namespace {

void check_window(int height, int width, const char* what) {
  HG_CHECK(height > 0 && width > 0, what, ": the output size must be positive, got ", height, "x",
           width);
}

// Source coordinate of output pixel `index` for a resize from `in` to `out` pixels:
// (index + ½)·in/out − ½, clamped at 0 (as PyTorch does), with its two neighbours and weight.
struct Tap {
  int low, high;
  float weight;  // of `high`
};
std::vector<Tap> bilinear_taps(int in, int out) {
  std::vector<Tap> taps(static_cast<size_t>(out));
  const double scale = static_cast<double>(in) / out;
  for (int i = 0; i < out; ++i) {
    double source = std::max(0.0, (i + 0.5) * scale - 0.5);
    int low = std::min(static_cast<int>(source), in - 1);
    taps[i] = {low, std::min(low + 1, in - 1), static_cast<float>(source - low)};
  }
  return taps;
}

class Resize : public Transform {
 public:
  Resize(int height, int width) : height_(height), width_(width) {
    check_window(height, width, "resize");
  }
  Image apply(const Image& image, Random&) const override {
    return resize_bilinear(image, height_, width_);
  }
  ImageSize output_size(ImageSize input) const override {
    return {height_, width_, input.channels};
  }
  std::string description() const override {
    return detail::concat("resize(", height_, "x", width_, ")");
  }

 private:
  int height_, width_;
};

class CenterCrop : public Transform {
 public:
  CenterCrop(int height, int width) : height_(height), width_(width) {
    check_window(height, width, "center_crop");
  }
  Image apply(const Image& image, Random&) const override {
    return center_crop(image, height_, width_);
  }
  ImageSize output_size(ImageSize input) const override {
    HG_CHECK(height_ <= input.height && width_ <= input.width, "center_crop(", height_, "x", width_,
             ") does not fit in ", size_string(input), " images (resize them first)");
    return {height_, width_, input.channels};
  }
  std::string description() const override {
    return detail::concat("center_crop(", height_, "x", width_, ")");
  }

 private:
  int height_, width_;
};

class RandomCrop : public Transform {
 public:
  RandomCrop(int height, int width, int padding)
      : height_(height), width_(width), padding_(padding) {
    check_window(height, width, "random_crop");
    HG_CHECK(padding >= 0, "random_crop: padding must be ≥ 0, got ", padding);
  }
  Image apply(const Image& image, Random& random) const override {
    output_size(image.size);
    // Offsets into the padded image, uniform over every window that fits in it.
    int top = static_cast<int>(random.below(image.size.height + 2 * padding_ - height_ + 1));
    int left = static_cast<int>(random.below(image.size.width + 2 * padding_ - width_ + 1));
    return crop(image, top - padding_, left - padding_, height_, width_);
  }
  ImageSize output_size(ImageSize input) const override {
    HG_CHECK(height_ <= input.height + 2 * padding_ && width_ <= input.width + 2 * padding_,
             description(), " does not fit in ", size_string(input), " images");
    return {height_, width_, input.channels};
  }
  std::string description() const override {
    return detail::concat("random_crop(", height_, "x", width_, ", pad ", padding_, ")");
  }

 private:
  int height_, width_, padding_;
};

class RandomHorizontalFlip : public Transform {
 public:
  explicit RandomHorizontalFlip(double probability) : probability_(probability) {
    HG_CHECK(probability >= 0 && probability <= 1, "random_horizontal_flip: probability ",
             probability, " is not in [0, 1]");
  }
  Image apply(const Image& image, Random& random) const override {
    return random.uniform() < probability_ ? flip_horizontal(image) : image;
  }
  ImageSize output_size(ImageSize input) const override { return input; }
  std::string description() const override {
    return detail::concat("random_horizontal_flip(", probability_, ")");
  }

 private:
  double probability_;
};

// Per-channel value of a Normalization that may hold one value for all channels.
float channel_value(const std::vector<float>& values, int channel) {
  return values.size() == 1 ? values[0] : values[channel];
}

void check_normalization(const Normalization& normalization, int channels) {
  for (const std::vector<float>* values : {&normalization.mean, &normalization.stddev})
    HG_CHECK(values->size() == 1 || static_cast<int>(values->size()) == channels,
             "normalize: ", values->size(), " mean/std values for ", channels,
             "-channel images (give one per channel, or one for all)");
  for (float stddev : normalization.stddev)
    HG_CHECK(stddev > 0, "normalize: std must be positive, got ", stddev);
}

}  // namespace

// ---- image operations ------------------------------------------------------------------------

Image resize_bilinear(const Image& image, int height, int width) {
  check_window(height, width, "resize_bilinear");
  const ImageSize& in = image.size;
  if (in.height == height && in.width == width) return image;
  const std::vector<Tap> rows = bilinear_taps(in.height, height);
  const std::vector<Tap> columns = bilinear_taps(in.width, width);
  Image out(ImageSize{height, width, in.channels});
  for (int y = 0; y < height; ++y) {
    const Tap& row = rows[y];
    for (int x = 0; x < width; ++x) {
      const Tap& column = columns[x];
      const uint8_t* p00 = image.at(row.low, column.low);
      const uint8_t* p01 = image.at(row.low, column.high);
      const uint8_t* p10 = image.at(row.high, column.low);
      const uint8_t* p11 = image.at(row.high, column.high);
      uint8_t* target = out.at(y, x);
      for (int c = 0; c < in.channels; ++c) {
        float top = p00[c] + column.weight * (p01[c] - p00[c]);
        float bottom = p10[c] + column.weight * (p11[c] - p10[c]);
        float value = top + row.weight * (bottom - top);
        target[c] = static_cast<uint8_t>(std::clamp(std::floor(value + 0.5f), 0.f, 255.f));
      }
    }
  }
  return out;
}

Image crop(const Image& image, int top, int left, int height, int width) {
  check_window(height, width, "crop");
  const ImageSize& in = image.size;
  Image out(ImageSize{height, width, in.channels});  // zeros where the window leaves the image
  // The columns of the window that lie inside the image, copied row by row.
  const int first_x = std::max(0, -left), last_x = std::min(width, in.width - left);
  if (first_x >= last_x) return out;
  for (int y = 0; y < height; ++y) {
    int source_y = top + y;
    if (source_y < 0 || source_y >= in.height) continue;
    std::memcpy(out.at(y, first_x), image.at(source_y, left + first_x),
                static_cast<size_t>(last_x - first_x) * in.channels);
  }
  return out;
}

Image center_crop(const Image& image, int height, int width) {
  HG_CHECK(height <= image.size.height && width <= image.size.width, "center_crop: ", height, "x",
           width, " does not fit in a ", size_string(image.size), " image");
  return crop(image, (image.size.height - height) / 2, (image.size.width - width) / 2, height,
              width);
}

Image flip_horizontal(const Image& image) {
  const ImageSize& size = image.size;
  Image out(size);
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x)
      std::memcpy(out.at(y, size.width - 1 - x), image.at(y, x), size.channels);
  return out;
}

// ---- to tensor -------------------------------------------------------------------------------

Normalization compute_normalization(const Dataset& dataset) {
  const int channels = dataset.image_size().channels;
  std::vector<double> sum(channels, 0.0), sum_of_squares(channels, 0.0);
  int64_t pixels = 0;
  for (int64_t i = 0; i < dataset.size(); ++i) {
    Image image = dataset.image(i);
    for (size_t p = 0; p < image.pixels.size(); ++p) {
      double value = image.pixels[p] / 255.0;
      sum[p % channels] += value;
      sum_of_squares[p % channels] += value * value;
    }
    pixels += image.size.height * int64_t{image.size.width};
  }
  HG_CHECK(pixels > 0, "compute_normalization: ", dataset.name(), " has no pixels");
  Normalization result;
  result.mean.resize(channels);
  result.stddev.resize(channels);
  for (int c = 0; c < channels; ++c) {
    double mean = sum[c] / pixels;
    result.mean[c] = static_cast<float>(mean);
    result.stddev[c] =
        static_cast<float>(std::sqrt(std::max(0.0, sum_of_squares[c] / pixels - mean * mean)));
  }
  return result;
}

void write_chw(const Image& image, const Normalization& normalization, float* out) {
  const ImageSize& size = image.size;
  check_normalization(normalization, size.channels);
  const int64_t plane = int64_t{size.height} * size.width;
  for (int c = 0; c < size.channels; ++c) {
    // (p/255 − mean)/std folded into one multiply-add per pixel: p·scale + shift.
    const float stddev = channel_value(normalization.stddev, c);
    const float scale = 1.f / (255.f * stddev);
    const float shift = -channel_value(normalization.mean, c) / stddev;
    float* out_plane = out + c * plane;
    const uint8_t* in = image.pixels.data() + c;
    for (int64_t p = 0; p < plane; ++p) out_plane[p] = in[p * size.channels] * scale + shift;
  }
}

Tensor to_tensor(const std::vector<Image>& images, const Normalization& normalization) {
  HG_CHECK(!images.empty(), "to_tensor: no images");
  const ImageSize size = images[0].size;
  Tensor result =
      Tensor::empty({static_cast<int64_t>(images.size()), size.channels, size.height, size.width});
  float* out = result.data<float>();
  for (size_t i = 0; i < images.size(); ++i) {
    HG_CHECK(images[i].size == size, "to_tensor: image ", i, " is ", size_string(images[i].size),
             ", image 0 is ", size_string(size));
    write_chw(images[i], normalization, out + i * size.bytes());
  }
  return result;
}

// ---- transforms ------------------------------------------------------------------------------

std::shared_ptr<const Transform> resize_to(int height, int width) {
  return std::make_shared<Resize>(height, width);
}
std::shared_ptr<const Transform> center_crop_to(int height, int width) {
  return std::make_shared<CenterCrop>(height, width);
}
std::shared_ptr<const Transform> random_crop(int height, int width, int padding) {
  return std::make_shared<RandomCrop>(height, width, padding);
}
std::shared_ptr<const Transform> random_horizontal_flip(double probability) {
  return std::make_shared<RandomHorizontalFlip>(probability);
}

Pipeline& Pipeline::add(std::shared_ptr<const Transform> transform) {
  transforms_.push_back(std::move(transform));
  return *this;
}

Pipeline& Pipeline::normalize(Normalization normalization) {
  normalization_ = std::move(normalization);
  return *this;
}

ImageSize Pipeline::output_size(ImageSize input) const {
  for (const auto& transform : transforms_) input = transform->output_size(input);
  check_normalization(normalization_, input.channels);
  return input;
}

Image Pipeline::apply(Image image, Random& random) const {
  for (const auto& transform : transforms_) image = transform->apply(image, random);
  return image;
}

std::string Pipeline::description() const {
  std::string text;
  for (const auto& transform : transforms_) text += transform->description() + " → ";
  return text + "normalize";
}

}  // namespace hg::data
