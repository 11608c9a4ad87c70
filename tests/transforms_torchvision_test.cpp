// hashgrad's CPU transforms against torchvision's on one fixed image: tests/transforms_reference.py
// writes the image and torchvision.transforms.functional's results (uint8 tensors, antialias
// off), and each of hashgrad's must equal them:
//   resize (shorter side and HxW), center crops (halves rounded to even), resized crop: exactly,
//     except a pixel may differ by 1 where the f32 blend lands on a half (torch rounds halves to
//     even, hashgrad up);
//   brightness, contrast, saturation, hue: within 1 (f32 arithmetic in a different order before
//     the truncation to 8 bits), and at most 1% of the values differ at all;
//   normalize: within 1e-5.
// The random transforms cannot share torch's random stream; their tests are in
// data_transforms_test.cpp (bounds, statistics, seeding). Python with torchvision is
// HASHGRAD_TEST_PYTHON (Debian's python3-torchvision, which scripts/test.sh installs); without
// it this test fails, saying so. The ctest names contain "torchvision".
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "data/color_jitter.h"
#include "data/transforms.h"
#include "tensor/safetensors.h"
#include "tests/command_support.h"
#include "tests/test_support.h"

namespace hg::data {
namespace {

Image image_of(const Tensor& hwc) {
  Image image(ImageSize{static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)),
                        static_cast<int>(hwc.size(2))});
  image.pixels = hwc.contiguous().to_vector<uint8_t>();
  return image;
}

struct Difference {
  int largest = 0;
  double fraction = 0;  // of the values that differ at all
};

Difference compare(const Image& ours, const Image& theirs) {
  EXPECT_EQ(size_string(ours.size), size_string(theirs.size));
  Difference difference;
  if (!(ours.size == theirs.size)) return {255, 1};
  int64_t differing = 0;
  for (size_t i = 0; i < ours.pixels.size(); ++i) {
    int gap = std::abs(int{ours.pixels[i]} - int{theirs.pixels[i]});
    difference.largest = std::max(difference.largest, gap);
    differing += gap != 0;
  }
  difference.fraction = static_cast<double>(differing) / ours.pixels.size();
  return difference;
}

class TransformsTorchvision : public test::CommandTest {
 protected:
  void SetUp() override {
    CommandTest::SetUp();
    std::string script = test::fixture_path("../transforms_reference.py");
    test::CommandRun reference =
        run(std::string(HASHGRAD_TEST_PYTHON) + " " + script + " " + path("reference.safetensors"));
    ASSERT_EQ(reference.status, 0)
        << reference.err << "\n(" << HASHGRAD_TEST_PYTHON
        << " must import torch and torchvision: Debian's python3-torch and python3-torchvision; "
           "scripts/test.sh installs them)";
    expected_ = read_safetensors(path("reference.safetensors")).tensors;
    image_ = image_of(test::entry(expected_, "image"));
  }
  Image expected(const std::string& name) const { return image_of(test::entry(expected_, name)); }

  std::map<std::string, Tensor> expected_;
  Image image_;
};

TEST_F(TransformsTorchvision, GeometricStepsEqualTorchvisions) {
  ASSERT_EQ(size_string(image_.size), "37x53x3");
  ASSERT_EQ(size_string(shorter_side_size(image_.size, 20)), "20x28x3");
  const ImageSize shorter = shorter_side_size(image_.size, 20);
  struct Case {
    const char* name;
    Image ours;
  } cases[] = {
      {"resize_shorter_20", resize_bilinear(image_, shorter.height, shorter.width)},
      {"resize_60x45", resize_bilinear(image_, 60, 45)},
      {"center_crop_20x30", center_crop(image_, 20, 30)},
      {"center_crop_26x16", center_crop(image_, 26, 16)},
      {"resized_crop", resize_bilinear(crop(image_, 3, 5, 21, 30), 24, 24)},
  };
  for (const Case& c : cases) {
    Difference difference = compare(c.ours, expected(c.name));
    EXPECT_LE(difference.largest, 1) << c.name;
    EXPECT_LE(difference.fraction, 0.01) << c.name;
  }
  // Crops move no value: exact.
  EXPECT_EQ(center_crop(image_, 20, 30).pixels, expected("center_crop_20x30").pixels);
  EXPECT_EQ(center_crop(image_, 26, 16).pixels, expected("center_crop_26x16").pixels);
}

TEST_F(TransformsTorchvision, ColourAdjustmentsEqualTorchvisions) {
  struct Case {
    const char* name;
    Image ours;
  } cases[] = {
      {"brightness_0.6", adjust_brightness(image_, 0.6f)},
      {"contrast_1.5", adjust_contrast(image_, 1.5f)},
      {"saturation_0.3", adjust_saturation(image_, 0.3f)},
      {"hue_0.2", adjust_hue(image_, 0.2f)},
      {"hue_-0.45", adjust_hue(image_, -0.45f)},
  };
  for (const Case& c : cases) {
    Difference difference = compare(c.ours, expected(c.name));
    EXPECT_LE(difference.largest, 1) << c.name;
    EXPECT_LE(difference.fraction, 0.01) << c.name;
    std::printf("%s: largest difference %d, %.3f%% of values differ\n", c.name, difference.largest,
                100 * difference.fraction);
  }
}

TEST_F(TransformsTorchvision, ImagenetNormalizationEqualsTorchvisions) {
  Tensor ours = to_tensor({image_}, imagenet_normalization());
  const Tensor& theirs = test::entry(expected_, "normalize");
  ASSERT_EQ(ours.numel(), theirs.numel());
  std::vector<float> a = ours.to_vector<float>(), b = theirs.contiguous().to_vector<float>();
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-5) << i;
}

}  // namespace
}  // namespace hg::data
