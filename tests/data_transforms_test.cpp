// Transforms on hand-computed cases: bilinear resize (up and down, values worked out below and
// equal to torch.nn.functional.interpolate(mode="bilinear", align_corners=False) rounded),
// crops with padding, flips, the random steps' ranges and seeding, normalization to NCHW.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "data/transforms.h"
#include "tests/data_test_files.h"

namespace hg::data {
namespace {

using test::error_message;

Image grey(int height, int width, std::vector<uint8_t> values) {
  Image image(ImageSize{height, width, 1});
  image.pixels = std::move(values);
  return image;
}

TEST(DataTransforms, BilinearUpsampleMatchesHandComputedValues) {
  // 2×2 → 4×4: source coordinates (i + ½)/2 − ½ = −¼ (clamped to 0), ¼, ¾, 1¼ (clamped to
  // the last pixel), so the weights of the second pixel are 0, ¼, ¾, 1 along each axis.
  // Row 1 (weight ¼ of the bottom row): 0 + ¼·200 = 50, 25 + ¼·188.75 = 72.19 → 72,
  // 75 + ¼·166.25 = 116.56 → 117, 100 + ¼·155 = 138.75 → 139; row 2 likewise with ¾.
  Image resized = resize_bilinear(grey(2, 2, {0, 100, 200, 255}), 4, 4);
  EXPECT_EQ(resized.pixels, (std::vector<uint8_t>{0, 25, 75, 100,      //
                                                  50, 72, 117, 139,    //
                                                  150, 167, 200, 216,  //
                                                  200, 214, 241, 255}));
}

TEST(DataTransforms, BilinearHalvingAveragesTwoByTwoBlocks) {
  // 4×4 → 2×2: source coordinates (i + ½)·2 − ½ = ½ and 2½, so each output pixel is the mean
  // of a 2×2 block. Block sums: 0+10+40+50 = 100 → 25; 20+30+60+70 = 180 → 45; …
  std::vector<uint8_t> values;
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) values.push_back(static_cast<uint8_t>(40 * y + 10 * x));
  Image resized = resize_bilinear(grey(4, 4, values), 2, 2);
  EXPECT_EQ(resized.pixels, (std::vector<uint8_t>{25, 45, 105, 125}));
  // RGB channels are resized independently.
  Image rgb(ImageSize{1, 2, 3});
  rgb.pixels = {0, 10, 20, 100, 110, 120};
  EXPECT_EQ(resize_bilinear(rgb, 1, 1).pixels, (std::vector<uint8_t>{50, 60, 70}));
}

TEST(DataTransforms, CropsPadWithZerosAndFlipsMirror) {
  Image image = grey(2, 3, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(crop(image, -1, -1, 3, 3).pixels, (std::vector<uint8_t>{0, 0, 0, 0, 1, 2, 0, 4, 5}));
  EXPECT_EQ(crop(image, 1, 2, 2, 2).pixels, (std::vector<uint8_t>{6, 0, 0, 0}));
  EXPECT_EQ(crop(image, 5, 5, 1, 1).pixels, (std::vector<uint8_t>{0}));
  EXPECT_EQ(center_crop(image, 2, 1).pixels, (std::vector<uint8_t>{2, 5}));
  EXPECT_EQ(flip_horizontal(image).pixels, (std::vector<uint8_t>{3, 2, 1, 6, 5, 4}));
  EXPECT_EQ(error_message([&] { center_crop(image, 3, 1); }),
            "center_crop: 3x1 does not fit in a 2x3x1 image");
}

TEST(DataTransforms, RandomCropReachesEveryWindowAndIsSeeded) {
  // A 2×2 crop of a 2×2 image padded by 1: 3 × 3 positions, each with its own top-left pixel.
  Image image = grey(2, 2, {1, 2, 3, 4});
  auto step = random_crop(2, 2, 1);
  std::set<std::vector<uint8_t>> seen;
  Random random(7);
  for (int i = 0; i < 500; ++i) seen.insert(step->apply(image, random).pixels);
  EXPECT_EQ(seen.size(), 9u);
  EXPECT_TRUE(seen.count({0, 0, 0, 1}));  // top-left window
  EXPECT_TRUE(seen.count({4, 0, 0, 0}));  // bottom-right window
  Random first(11), second(11);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(step->apply(image, first).pixels, step->apply(image, second).pixels);
}

TEST(DataTransforms, RandomFlipHappensAtItsProbability) {
  Image image = grey(1, 2, {1, 2});
  auto half = random_horizontal_flip(0.5);
  Random random(3);
  int flipped = 0;
  for (int i = 0; i < 10000; ++i) flipped += half->apply(image, random).pixels[0] == 2;
  // Binomial(10000, ½): standard deviation 50, so ±250 is five of them.
  EXPECT_NEAR(flipped, 5000, 250);
  auto never = random_horizontal_flip(0.0), always = random_horizontal_flip(1.0);
  EXPECT_EQ(never->apply(image, random).pixels, (std::vector<uint8_t>{1, 2}));
  EXPECT_EQ(always->apply(image, random).pixels, (std::vector<uint8_t>{2, 1}));
}

TEST(DataTransforms, ToTensorNormalizesPerChannelIntoNchw) {
  Image image(ImageSize{1, 2, 3});
  image.pixels = {255, 0, 51, 0, 255, 102};
  Normalization normalization{{0.5f, 0.25f, 0.f}, {0.25f, 0.5f, 0.2f}};
  Tensor tensor = to_tensor({image, image}, normalization);
  EXPECT_EQ(tensor.shape(), (Shape{2, 3, 1, 2}));
  // Channel 0: (1 − .5)/.25 = 2, (0 − .5)/.25 = −2; channel 1: (0 − .25)/.5 = −.5,
  // (1 − .25)/.5 = 1.5; channel 2: .2/.2 = 1, .4/.2 = 2.
  std::vector<float> expected{2, -2, -0.5f, 1.5f, 1, 2};
  std::vector<float> values = tensor.to_vector<float>();
  for (size_t i = 0; i < values.size(); ++i) EXPECT_NEAR(values[i], expected[i % 6], 1e-6) << i;
  EXPECT_EQ(error_message([&] {
              to_tensor({image}, Normalization{{0.5f, 0.5f}, {1.f}});
            }),
            "normalize: 2 mean/std values for 3-channel images (give one per channel, or one "
            "for all)");
}

TEST(DataTransforms, ComputedNormalizationIsTheMeanAndStdOfEachChannel) {
  // Two 1×1 RGB images: channel 0 holds 0 and 255 (mean ½, std ½), channel 1 51 and 51
  // (mean .2, std 0), channel 2 0 and 102 (mean .2, std .2).
  auto dataset = std::make_shared<InMemoryDataset>("two", ImageSize{1, 1, 3},
                                                   std::vector<uint8_t>{0, 51, 0, 255, 51, 102},
                                                   Labels::from_class_ids({0, 1}, 2));
  Normalization normalization = compute_normalization(*dataset);
  ASSERT_EQ(normalization.mean.size(), 3u);
  EXPECT_NEAR(normalization.mean[0], 0.5, 1e-6);
  EXPECT_NEAR(normalization.mean[1], 0.2, 1e-6);
  EXPECT_NEAR(normalization.mean[2], 0.2, 1e-6);
  EXPECT_NEAR(normalization.stddev[0], 0.5, 1e-6);
  EXPECT_NEAR(normalization.stddev[1], 0.0, 1e-3);
  EXPECT_NEAR(normalization.stddev[2], 0.2, 1e-6);
}

TEST(DataTransforms, PipelineReportsItsOutputSizeAndSteps) {
  Pipeline pipeline;
  pipeline.add(resize_to(36, 36)).add(random_crop(32, 32, 4)).add(random_horizontal_flip());
  EXPECT_EQ(pipeline.output_size(ImageSize{28, 28, 3}), (ImageSize{32, 32, 3}));
  EXPECT_EQ(pipeline.description(),
            "resize(36x36) → random_crop(32x32, pad 4) → random_horizontal_flip(0.5) → normalize");
  Pipeline too_big;
  too_big.add(center_crop_to(30, 30));
  EXPECT_EQ(error_message([&] {
              too_big.output_size(ImageSize{28, 28, 1});
            }),
            "center_crop(30x30) does not fit in 28x28x1 images (resize them first)");
}

}  // namespace
}  // namespace hg::data
