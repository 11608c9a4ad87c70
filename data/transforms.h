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

#include "data/dataset.h"
#include "data/random.h"

namespace hg::data {

// ---- image operations ------------------------------------------------------------------------

// Bilinear resize with half-pixel centres (align_corners = False, no antialiasing, as
// torch.nn.functional.interpolate and OpenCV's INTER_LINEAR): output pixel (y, x) samples the
// input at  sy = (y + ½)·H_in/H_out − ½,  sx likewise, clamped to the image, and blends the four
// neighbours  (1−fy)(1−fx)·p00 + (1−fy)fx·p01 + fy(1−fx)·p10 + fy·fx·p11,  rounded to nearest.
Image resize_bilinear(const Image& image, int height, int width);

// The height × width window whose top-left corner is (top, left); the window may reach outside
// the image (negative top/left too), where it reads zeros: that is how padding works.
Image crop(const Image& image, int top, int left, int height, int width);

// The central height × width window: top = ⌊(H − height)/2⌋, left = ⌊(W − width)/2⌋.
Image center_crop(const Image& image, int height, int width);

Image flip_horizontal(const Image& image);

// ---- to tensor -------------------------------------------------------------------------------

// Per-channel mean and standard deviation on the [0, 1] scale (one value serves every channel).
// The default maps a pixel p to p / 255.
struct Normalization {
  std::vector<float> mean{0.f};
  std::vector<float> stddev{1.f};
};

// Mean and standard deviation of each channel over every pixel of `dataset`, on the [0, 1]
// scale (population std). Reads every image once.
Normalization compute_normalization(const Dataset& dataset);

// Writes `image` as channels × height × width floats at `out`, normalized.
void write_chw(const Image& image, const Normalization& normalization, float* out);

// Stacks same-size images into an f32 [N, C, H, W] CPU tensor, normalized.
Tensor to_tensor(const std::vector<Image>& images, const Normalization& normalization);

// ---- transforms ------------------------------------------------------------------------------

class Transform {
 public:
  virtual ~Transform() = default;
  virtual Image apply(const Image& image, Random& random) const = 0;
  // The size of the output for an input of `input` size (throws when the input will not do).
  virtual ImageSize output_size(ImageSize input) const = 0;
  // "random_crop(32x32, pad 4)"
  virtual std::string description() const = 0;
};

std::shared_ptr<const Transform> resize_to(int height, int width);
std::shared_ptr<const Transform> center_crop_to(int height, int width);
// Pad `padding` zero pixels on every side, then crop height × width at a uniformly drawn
// position (torchvision's RandomCrop(size, padding)).
std::shared_ptr<const Transform> random_crop(int height, int width, int padding);
// Mirror left–right with probability `probability`.
std::shared_ptr<const Transform> random_horizontal_flip(double probability = 0.5);

// The transforms of a loader, applied in order, then the normalization of write_chw.
class Pipeline {
 public:
  Pipeline& add(std::shared_ptr<const Transform> transform);
  Pipeline& normalize(Normalization normalization);

  ImageSize output_size(ImageSize input) const;
  Image apply(Image image, Random& random) const;
  const Normalization& normalization() const { return normalization_; }
  // "random_crop(28x28, pad 2) → random_horizontal_flip(0.5) → normalize"
  std::string description() const;

 private:
  std::vector<std::shared_ptr<const Transform>> transforms_;
  Normalization normalization_;
};

}  // namespace hg::data
