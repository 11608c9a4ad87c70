// Image transforms: resize, crops and flips on 8-bit HWC images, then the conversion to the
// normalized f32 NCHW tensors a model reads.
//
// The geometric steps work on u8 images, where they are cheapest (a crop is a copy of bytes);
// only the last step turns bytes into floats:  x = (pixel / 255 − mean[c]) / stddev[c].
// Random steps draw from a Random they are handed, so the loader can seed each sample's
// augmentation from (seed, epoch, index) and a run is the same with any number of workers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/image_sampling.h"
#include "data/dataset.h"
#include "data/random.h"

namespace hg::data {

// ---- image operations ------------------------------------------------------------------------

// Bilinear resize with half-pixel centres (align_corners = False, no antialiasing, as
// torch.nn.functional.interpolate and OpenCV's INTER_LINEAR): output pixel (y, x) samples the
// input at  sy = (y + ½)·H_in/H_out − ½,  sx likewise, clamped to the image, and blends the four
// neighbours  (1−fy)(1−fx)·p00 + (1−fy)fx·p01 + fy(1−fx)·p10 + fy·fx·p11,  rounded to nearest
// (core/image_sampling.h's bilinear_tap and bilinear_blend, which the GPU augmentation shares).
Image resize_bilinear(const Image& image, int height, int width);

// The height × width window whose top-left corner is (top, left); the window may reach outside
// the image (negative top/left too), where it reads zeros: that is how padding works.
Image crop(const Image& image, int top, int left, int height, int width);

// The central height × width window: top = round((H − height)/2), left likewise, with Python's
// rounding of halves to even (torchvision's center_crop: 117/2 → 58, 115/2 → 58).
Image center_crop(const Image& image, int height, int width);

// The size torchvision's Resize(side) gives: the shorter side becomes `side`, the longer one
// ⌊side · longer / shorter⌋ (truncated, as int() in Python).
ImageSize shorter_side_size(ImageSize size, int side);

// A window of an image, in pixels.
struct CropWindow {
  int top = 0, left = 0, height = 0, width = 0;
};

// torchvision's RandomResizedCrop.get_params on a height × width image: up to 10 tries of
//   area = H·W·U(scale),  r = exp(U(log ratio)),  w = round(√(area·r)),  h = round(√(area/r)),
// the first with 0 < w ≤ W and 0 < h ≤ H placed uniformly (top in [0, H − h], left in
// [0, W − w]); when all 10 miss, the fallback: the whole image, or its central window at the
// nearest bound of `ratio` when the image's own w/h lies outside it.
struct Range {
  double low = 0, high = 0;
};
CropWindow random_resized_crop_window(int height, int width, Range scale, Range ratio,
                                      Random& random);

Image flip_horizontal(const Image& image);

// ---- to tensor -------------------------------------------------------------------------------

// Per-channel mean and standard deviation on the [0, 1] scale (one value serves every channel).
// The default maps a pixel p to p / 255.
struct Normalization {
  std::vector<float> mean{0.f};
  std::vector<float> stddev{1.f};
};

// ImageNet's statistics, which torchvision's and timm's pretrained weights were trained with:
// mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).
Normalization imagenet_normalization();

// Mean and standard deviation of each channel over every pixel of `dataset`, on the [0, 1]
// scale (population std). Reads every image once.
Normalization compute_normalization(const Dataset& dataset);

// The normalization as one multiply-add per byte p of channel c:  x = p·scale[c] + shift[c],
// scale = 1/(255·std[c]), shift = −mean[c]/std[c]; checked against the channel count.
struct ChannelAffine {
  std::vector<float> scale, shift;
};
ChannelAffine channel_affine(const Normalization& normalization, int channels);

// Writes `image` as channels × height × width floats at `out`, normalized.
void write_chw(const Image& image, const Normalization& normalization, float* out);

// Stacks same-size images into an f32 [N, C, H, W] CPU tensor, normalized.
Tensor to_tensor(const std::vector<Image>& images, const Normalization& normalization);

// ---- transforms ------------------------------------------------------------------------------

// The geometric steps of a pipeline so far, for one image, as one resampling
// (core/image_sampling.h): what the GPU augmentation computes in a single pass.
struct SamplingPlan {
  ImageSampling sampling;
  ImageSize size;             // of the image the steps so far output
  bool resampled = false;     // a resize or crop is planned: a later resize cannot join
  bool flip_planned = false;  // a flip step is planned: a later resize or crop cannot join
};

// A step of a pipeline. Sizes with height and width 0 stand for images whose size varies (image
// lists read at each file's own size): steps that keep the size keep it unknown, resizes to a
// fixed size and crops make it known again.
class Transform {
 public:
  virtual ~Transform() = default;
  virtual Image apply(const Image& image, Random& random) const = 0;
  // The size of the output for an input of `input` size (throws when the input will not do).
  virtual ImageSize output_size(ImageSize input) const = 0;
  // The shorter side an input may be shrunk to before this step (a JPEG decoder's DCT scaling)
  // while the step still has at least the pixels it outputs; 0: the step needs full resolution
  // (a crop in pixels).
  virtual int reducible_to() const { return 0; }
  // "random_crop(32x32, pad 4)"
  virtual std::string description() const = 0;
  // Adds the step to `plan`, drawing from `random` what apply() draws, in the same order; false
  // when it cannot join a single resampling: colour jitter, a padded crop, a resize after a crop
  // or a crop after a flip. Whether it joins depends on the steps before it, never on a draw.
  virtual bool plan(SamplingPlan&, Random&) const { return false; }
};

std::shared_ptr<const Transform> resize_to(int height, int width);
// torchvision's Resize(side): the shorter side to `side`, keeping the aspect ratio.
std::shared_ptr<const Transform> resize_shorter_to(int side);
std::shared_ptr<const Transform> center_crop_to(int height, int width);
// Pad `padding` zero pixels on every side, then crop height × width at a uniformly drawn
// position (torchvision's RandomCrop(size, padding)).
std::shared_ptr<const Transform> random_crop(int height, int width, int padding);
// torchvision's RandomResizedCrop(size, scale, ratio): a random_resized_crop_window, resized
// (bilinear, as resize_bilinear: torchvision with antialias=False) to height × width.
std::shared_ptr<const Transform> random_resized_crop(int height, int width,
                                                     Range scale = {0.08, 1.0},
                                                     Range ratio = {3.0 / 4.0, 4.0 / 3.0});
// Mirror left–right with probability `probability`.
std::shared_ptr<const Transform> random_horizontal_flip(double probability = 0.5);

// The transforms of a loader, applied in order, then the normalization of write_chw.
class Pipeline {
 public:
  Pipeline& add(std::shared_ptr<const Transform> transform);
  Pipeline& normalize(Normalization normalization);

  ImageSize output_size(ImageSize input) const;
  // The first step's reducible_to (0 for no steps: the images are used as they are).
  int reducible_to() const;
  Image apply(Image image, Random& random) const;
  // The steps on an image of `size` as one resampling, with the draws apply() makes from the
  // same Random (so both draw the same crop boxes and flips); throws naming a step that cannot
  // join (see unplannable_step).
  SamplingPlan plan(ImageSize size, Random& random) const;
  // The description of the first step that cannot join a single resampling; empty when every
  // step can.
  std::string unplannable_step() const;
  const Normalization& normalization() const { return normalization_; }
  // "random_crop(28x28, pad 2) → random_horizontal_flip(0.5) → normalize"
  std::string description() const;

 private:
  std::vector<std::shared_ptr<const Transform>> transforms_;
  Normalization normalization_;
};

}  // namespace hg::data
