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

std::vector<BilinearTap> bilinear_taps(int in, int out) {
  std::vector<BilinearTap> taps;
  for (int i = 0; i < out; ++i) taps.push_back(bilinear_tap(i, in, out));
  return taps;
}

// The top (or left) of a centred window: round(room / 2) with Python's rounding of halves to
// even (std::nearbyint in the default rounding mode), as torchvision's center_crop.
int center_offset(int room) { return static_cast<int>(std::nearbyint(room / 2.0)); }

// The plan of no step: every output pixel is its source pixel.
SamplingPlan unresampled_plan(ImageSize size) {
  SamplingPlan plan;
  plan.size = size;
  plan.sampling.height = size.height;
  plan.sampling.width = size.width;
  plan.sampling.rows = {0, size.height, size.height, 0};
  plan.sampling.columns = {0, size.width, size.width, 0};
  return plan;
}

// A resize of the whole image (to `height` × `width`) joins a plan that has not resampled yet.
bool plan_resize(SamplingPlan& plan, int height, int width) {
  if (plan.resampled || plan.flip_planned) return false;
  plan.sampling.rows.resized = height;
  plan.sampling.columns.resized = width;
  plan.size = {height, width, plan.size.channels};
  plan.resampled = true;
  return true;
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
  int reducible_to() const override { return std::max(height_, width_); }
  std::string description() const override {
    return detail::concat("resize(", height_, "x", width_, ")");
  }
  bool plan(SamplingPlan& plan, Random&) const override {
    return plan_resize(plan, height_, width_);
  }

 private:
  int height_, width_;
};

// torchvision's Resize(side): the size depends on each image's, unknown until it is seen.
class ResizeShorter : public Transform {
 public:
  explicit ResizeShorter(int side) : side_(side) { check_window(side, side, "resize"); }
  Image apply(const Image& image, Random&) const override {
    const ImageSize size = shorter_side_size(image.size, side_);
    return resize_bilinear(image, size.height, size.width);
  }
  ImageSize output_size(ImageSize input) const override {
    return input.height > 0 ? shorter_side_size(input, side_) : input;
  }
  int reducible_to() const override { return side_; }
  std::string description() const override { return detail::concat("resize(", side_, ")"); }
  bool plan(SamplingPlan& plan, Random&) const override {
    const ImageSize size = shorter_side_size(plan.size, side_);
    return plan_resize(plan, size.height, size.width);
  }

 private:
  int side_;
};

class RandomResizedCrop : public Transform {
 public:
  RandomResizedCrop(int height, int width, Range scale, Range ratio)
      : height_(height), width_(width), scale_(scale), ratio_(ratio) {
    check_window(height, width, "random_resized_crop");
    HG_CHECK(0 < scale.low && scale.low <= scale.high && scale.high <= 1,
             "random_resized_crop: the scale range must satisfy 0 < low ≤ high ≤ 1, got ",
             scale.low, "..", scale.high);
    HG_CHECK(0 < ratio.low && ratio.low <= ratio.high,
             "random_resized_crop: the ratio range must satisfy 0 < low ≤ high, got ", ratio.low,
             "..", ratio.high);
  }
  Image apply(const Image& image, Random& random) const override {
    CropWindow window =
        random_resized_crop_window(image.size.height, image.size.width, scale_, ratio_, random);
    return resize_bilinear(crop(image, window.top, window.left, window.height, window.width),
                           height_, width_);
  }
  ImageSize output_size(ImageSize input) const override {
    return {height_, width_, input.channels};
  }
  int reducible_to() const override { return std::max(height_, width_); }
  std::string description() const override {
    return detail::concat("random_resized_crop(", height_, "x", width_, ", scale ", scale_.low,
                          "..", scale_.high, ", ratio ", ratio_.low, "..", ratio_.high, ")");
  }
  bool plan(SamplingPlan& plan, Random& random) const override {
    if (plan.resampled || plan.flip_planned) return false;
    const CropWindow window =
        random_resized_crop_window(plan.size.height, plan.size.width, scale_, ratio_, random);
    plan.sampling.rows = {window.top, window.height, height_, 0};
    plan.sampling.columns = {window.left, window.width, width_, 0};
    plan.size = {height_, width_, plan.size.channels};
    plan.resampled = true;
    return true;
  }

 private:
  int height_, width_;
  Range scale_, ratio_;
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
    HG_CHECK(input.height == 0 || (height_ <= input.height && width_ <= input.width),
             "center_crop(", height_, "x", width_, ") does not fit in ", size_string(input),
             " images (resize them first)");
    return {height_, width_, input.channels};
  }
  std::string description() const override {
    return detail::concat("center_crop(", height_, "x", width_, ")");
  }
  // A crop of the resized grid: the window moves the offsets, whatever resize came before.
  bool plan(SamplingPlan& plan, Random&) const override {
    if (plan.flip_planned) return false;
    HG_CHECK(height_ <= plan.size.height && width_ <= plan.size.width, description(),
             " does not fit in a ", size_string(plan.size), " image");
    plan.sampling.rows.offset += center_offset(plan.size.height - height_);
    plan.sampling.columns.offset += center_offset(plan.size.width - width_);
    plan.size = {height_, width_, plan.size.channels};
    plan.resampled = true;
    return true;
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
    HG_CHECK(input.height == 0 ||
                 (height_ <= input.height + 2 * padding_ && width_ <= input.width + 2 * padding_),
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
  bool plan(SamplingPlan& plan, Random& random) const override {
    plan.flip_planned = true;
    if (random.uniform() < probability_) plan.sampling.flip ^= 1;
    return true;
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
  const std::vector<BilinearTap> rows = bilinear_taps(in.height, height);
  const std::vector<BilinearTap> columns = bilinear_taps(in.width, width);
  Image out(ImageSize{height, width, in.channels});
  for (int y = 0; y < height; ++y) {
    const BilinearTap& row = rows[y];
    for (int x = 0; x < width; ++x) {
      const BilinearTap& column = columns[x];
      const uint8_t* p00 = image.at(row.low, column.low);
      const uint8_t* p01 = image.at(row.low, column.high);
      const uint8_t* p10 = image.at(row.high, column.low);
      const uint8_t* p11 = image.at(row.high, column.high);
      uint8_t* target = out.at(y, x);
      for (int c = 0; c < in.channels; ++c)
        target[c] = bilinear_blend(p00[c], p01[c], p10[c], p11[c], row.weight, column.weight);
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
  return crop(image, center_offset(image.size.height - height),
              center_offset(image.size.width - width), height, width);
}

ImageSize shorter_side_size(ImageSize size, int side) {
  HG_CHECK(size.height > 0 && size.width > 0, "resize: cannot resize a ", size_string(size),
           " image");
  const bool wide = size.width >= size.height;
  const int shorter = wide ? size.height : size.width, longer = wide ? size.width : size.height;
  const int new_longer = static_cast<int>(static_cast<double>(side) * longer / shorter);
  return wide ? ImageSize{side, new_longer, size.channels}
              : ImageSize{new_longer, side, size.channels};
}

CropWindow random_resized_crop_window(int height, int width, Range scale, Range ratio,
                                      Random& random) {
  const double area = static_cast<double>(height) * width;
  const double log_low = std::log(ratio.low), log_high = std::log(ratio.high);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target_area = area * (scale.low + (scale.high - scale.low) * random.uniform());
    const double aspect = std::exp(log_low + (log_high - log_low) * random.uniform());
    const int w = static_cast<int>(std::nearbyint(std::sqrt(target_area * aspect)));
    const int h = static_cast<int>(std::nearbyint(std::sqrt(target_area / aspect)));
    if (0 < w && w <= width && 0 < h && h <= height) {
      const int top = static_cast<int>(random.below(static_cast<uint64_t>(height - h + 1)));
      const int left = static_cast<int>(random.below(static_cast<uint64_t>(width - w + 1)));
      return {top, left, h, w};
    }
  }
  const double own_ratio = static_cast<double>(width) / height;
  int w = width, h = height;
  if (own_ratio < ratio.low)
    h = static_cast<int>(std::nearbyint(w / ratio.low));
  else if (own_ratio > ratio.high)
    w = static_cast<int>(std::nearbyint(h * ratio.high));
  return {(height - h) / 2, (width - w) / 2, h, w};
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

Normalization imagenet_normalization() {
  return {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
}

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

ChannelAffine channel_affine(const Normalization& normalization, int channels) {
  check_normalization(normalization, channels);
  ChannelAffine affine;
  for (int c = 0; c < channels; ++c) {
    const float stddev = channel_value(normalization.stddev, c);
    affine.scale.push_back(1.f / (255.f * stddev));
    affine.shift.push_back(-channel_value(normalization.mean, c) / stddev);
  }
  return affine;
}

void write_chw(const Image& image, const Normalization& normalization, float* out) {
  const ImageSize& size = image.size;
  const ChannelAffine affine = channel_affine(normalization, size.channels);
  const int64_t plane = int64_t{size.height} * size.width;
  for (int c = 0; c < size.channels; ++c) {
    const float scale = affine.scale[c], shift = affine.shift[c];
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
std::shared_ptr<const Transform> resize_shorter_to(int side) {
  return std::make_shared<ResizeShorter>(side);
}
std::shared_ptr<const Transform> random_resized_crop(int height, int width, Range scale,
                                                     Range ratio) {
  return std::make_shared<RandomResizedCrop>(height, width, scale, ratio);
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

int Pipeline::reducible_to() const {
  return transforms_.empty() ? 0 : transforms_.front()->reducible_to();
}

Image Pipeline::apply(Image image, Random& random) const {
  for (const auto& transform : transforms_) image = transform->apply(image, random);
  return image;
}

SamplingPlan Pipeline::plan(ImageSize size, Random& random) const {
  SamplingPlan plan = unresampled_plan(size);
  for (const auto& transform : transforms_)
    HG_CHECK(transform->plan(plan, random), transform->description(),
             " cannot join the GPU augmentation's single resampling (resize, then a crop or "
             "random_resized_crop, then horizontal_flip)");
  return plan;
}

std::string Pipeline::unplannable_step() const {
  // Whether a step joins depends on the steps before it alone; the largest image a decoder
  // accepts (8192 × 8192) holds any crop that an image can.
  SamplingPlan plan = unresampled_plan({8192, 8192, 3});
  Random random(0);
  for (const auto& transform : transforms_)
    if (!transform->plan(plan, random)) return transform->description();
  return "";
}

std::string Pipeline::description() const {
  std::string text;
  for (const auto& transform : transforms_) text += transform->description() + " → ";
  return text + "normalize";
}

}  // namespace hg::data
