// Transforms on hand-computed cases: bilinear resize (up and down, values worked out below and
// equal to torch.nn.functional.interpolate(mode="bilinear", align_corners=False) rounded),
// crops with padding, flips, the random steps' ranges and seeding, normalization to NCHW.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "data/color_jitter.h"
#include "data/transform_spec.h"
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

TEST(DataTransforms, ShorterSideResizeKeepsTheAspectRatioTruncatingTheLongerSide) {
  // torchvision's Resize(256) of a 500-wide, 375-high image: 256 × ⌊256·500/375⌋ = 256 × 341.
  EXPECT_EQ(shorter_side_size(ImageSize{375, 500, 3}, 256), (ImageSize{256, 341, 3}));
  EXPECT_EQ(shorter_side_size(ImageSize{500, 375, 3}, 256), (ImageSize{341, 256, 3}));
  EXPECT_EQ(shorter_side_size(ImageSize{32, 32, 3}, 256), (ImageSize{256, 256, 3}));
  Random random(0);
  EXPECT_EQ(resize_shorter_to(4)->apply(grey(2, 3, {1, 2, 3, 4, 5, 6}), random).size,
            (ImageSize{4, 6, 1}));
}

TEST(DataTransforms, CenterCropRoundsHalvesToEvenAsPython) {
  // Room 3 → offset round(1.5) = 2; room 5 → round(2.5) = 2; room 7 → round(3.5) = 4.
  std::vector<uint8_t> row{0, 1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(center_crop(grey(1, 5, {0, 1, 2, 3, 4}), 1, 2).pixels, (std::vector<uint8_t>{2, 3}));
  EXPECT_EQ(center_crop(grey(1, 7, {0, 1, 2, 3, 4, 5, 6}), 1, 2).pixels,
            (std::vector<uint8_t>{2, 3}));
  EXPECT_EQ(center_crop(grey(1, 9, row), 1, 2).pixels, (std::vector<uint8_t>{4, 5}));
}

TEST(DataTransforms, RandomResizedCropWindowsStayInsideWithinScaleAndRatio) {
  // 500 × 375 with the defaults: every window inside the image, its area within [0.08, 1] of
  // the image's and its w/h within [3/4, 4/3] up to the rounding of w and h to pixels.
  Random random(1);
  double area_sum = 0;
  std::set<int> tops, lefts;
  const int draws = 20000;
  for (int i = 0; i < draws; ++i) {
    CropWindow w = random_resized_crop_window(375, 500, {0.08, 1.0}, {0.75, 4.0 / 3}, random);
    ASSERT_TRUE(w.top >= 0 && w.left >= 0 && w.height > 0 && w.width > 0);
    ASSERT_LE(w.top + w.height, 375);
    ASSERT_LE(w.left + w.width, 500);
    const double fraction = static_cast<double>(w.height) * w.width / (375.0 * 500.0);
    ASSERT_GE(fraction, 0.08 * 0.98);
    ASSERT_LE(fraction, 1.0);
    const double ratio = static_cast<double>(w.width) / w.height;
    ASSERT_GE(ratio, 0.75 * (1 - 1.0 / w.height) - 1e-9);
    ASSERT_LE(ratio, 4.0 / 3 * (1 + 1.0 / w.height) + 1e-9);
    area_sum += fraction;
    tops.insert(w.top);
    lefts.insert(w.left);
  }
  // The area fraction is U(0.08, 1) among the windows that fit (large areas at extreme ratios do
  // not fit a 4:3 image and are redrawn), so its mean lies below 0.54 but well above 0.08.
  EXPECT_GT(area_sum / draws, 0.40);
  EXPECT_LT(area_sum / draws, 0.54);
  EXPECT_GT(tops.size(), 200u);  // positions spread over the image
  EXPECT_GT(lefts.size(), 300u);
  // Seeded: the same seed, the same windows.
  Random first(9), second(9);
  for (int i = 0; i < 10; ++i) {
    CropWindow a = random_resized_crop_window(100, 80, {0.08, 1.0}, {0.75, 4.0 / 3}, first);
    CropWindow b = random_resized_crop_window(100, 80, {0.08, 1.0}, {0.75, 4.0 / 3}, second);
    EXPECT_TRUE(a.top == b.top && a.left == b.left && a.height == b.height && a.width == b.width);
  }
}

TEST(DataTransforms, RandomResizedCropFallsBackToTheCentralWindowAtTheNearestRatio) {
  // The whole area (scale [1, 1]) at ratio ≥ 10 never fits a 100 × 100 image:
  // w = √(10⁴ · r) ≥ 316 > 100 in each of the 10 tries.
  Random random(2);
  CropWindow w = random_resized_crop_window(100, 100, {1.0, 1.0}, {10, 20}, random);
  // The image's own ratio 1 < 10: full width, h = round(100 / 10) = 10, centred.
  EXPECT_EQ(w.width, 100);
  EXPECT_EQ(w.height, 10);
  EXPECT_EQ(w.top, 45);
  EXPECT_EQ(w.left, 0);
  // Own ratio 2 (200 wide, 100 high) > 1.5: full height, w = round(100 · 1.5) = 150, centred.
  w = random_resized_crop_window(100, 200, {1.0, 1.0}, {1.2, 1.5}, random);
  EXPECT_TRUE(w.height == 100 && w.width == 150 && w.top == 0 && w.left == 25);
  // Own ratio 1.2 inside [0.9, 1.3], where the whole area fits only at exactly 1.2: the whole
  // image.
  w = random_resized_crop_window(100, 120, {1.0, 1.0}, {0.9, 1.3}, random);
  EXPECT_TRUE(w.height == 100 && w.width == 120 && w.top == 0 && w.left == 0);
  auto step = random_resized_crop(8, 6);
  EXPECT_EQ(step->apply(grey(30, 40, std::vector<uint8_t>(1200, 7)), random).pixels,
            std::vector<uint8_t>(48, 7));
  EXPECT_EQ(step->output_size(ImageSize{0, 0, 3}), (ImageSize{8, 6, 3}));
}

TEST(DataTransforms, ColourAdjustmentsTruncateAsTorchvisionOnBytes) {
  Image rgb(ImageSize{1, 2, 3});
  rgb.pixels = {201, 100, 0, 50, 150, 250};
  // Brightness ½: 100.5 → 100, 50, 0; 25, 75, 125.
  EXPECT_EQ(adjust_brightness(rgb, 0.5f).pixels, (std::vector<uint8_t>{100, 50, 0, 25, 75, 125}));
  // Grey values ⌊0.2989·201 + 0.587·100 + 0.114·0⌋ = ⌊118.78⌋ = 118 and
  // ⌊14.945 + 88.05 + 28.5⌋ = 131; saturation 0 gives the grey pixels, contrast 0 their mean.
  EXPECT_EQ(adjust_saturation(rgb, 0.f).pixels,
            (std::vector<uint8_t>{118, 118, 118, 131, 131, 131}));
  EXPECT_EQ(adjust_contrast(rgb, 0.f).pixels, std::vector<uint8_t>(6, 124));  // ⌊124.5⌋
  // A half turn of the wheel takes red to cyan.
  Image red(ImageSize{1, 1, 3});
  red.pixels = {255, 0, 0};
  EXPECT_EQ(adjust_hue(red, 0.5f).pixels, (std::vector<uint8_t>{0, 255, 255}));
  // Grey images: saturation and hue leave them as they are.
  Image one = grey(1, 2, {10, 20});
  EXPECT_EQ(adjust_saturation(one, 0.f).pixels, one.pixels);
  EXPECT_EQ(adjust_hue(one, 0.3f).pixels, one.pixels);
}

TEST(DataTransforms, ColorJitterDrawsFactorsInItsRangesAndIsSeeded) {
  // Brightness 0.4 on a flat 200 image: out = ⌊f·200⌋ with f ~ U(0.6, 1.4), clamped at 255 —
  // so values in [120, 255], mean of min(f·200, 255) ≈ 198.05 (minus ½ for the truncation).
  Image flat = grey(1, 1, {200});
  auto brightness = color_jitter({0.4, 0, 0, 0});
  Random random(4);
  double sum = 0;
  int lowest = 255, highest = 0;
  const int draws = 20000;
  for (int i = 0; i < draws; ++i) {
    int value = brightness->apply(flat, random).pixels[0];
    sum += value;
    lowest = std::min(lowest, value);
    highest = std::max(highest, value);
  }
  // E[min(200 f, 255)] for f ~ U(0.6, 1.4): ∫ over [0.6, 1.275] of 200 f plus 255 over the rest,
  // divided by 0.8: (100·(1.275² − 0.36) + 255·0.125) / 0.8 = 198.05.
  EXPECT_NEAR(sum / draws - (198.05 - 0.5), 0, 1.0);
  EXPECT_GE(lowest, 120);
  EXPECT_LE(lowest, 122);
  EXPECT_EQ(highest, 255);
  // All four on an RGB image: seeded, and the output differs from the input.
  Image rgb(ImageSize{2, 2, 3});
  rgb.pixels = {200, 30, 60, 10, 220, 90, 120, 120, 10, 70, 80, 240};
  auto all = color_jitter({0.4, 0.4, 0.4, 0.1});
  Random first(6), second(6);
  int changed = 0;
  for (int i = 0; i < 20; ++i) {
    Image a = all->apply(rgb, first);
    EXPECT_EQ(a.pixels, all->apply(rgb, second).pixels);
    changed += a.pixels != rgb.pixels;
  }
  EXPECT_EQ(changed, 20);
  EXPECT_NE(error_message([] {
              color_jitter({0, 0, 0, 0.6});
            }).find("hue must be in [0, 0.5]"),
            std::string::npos);
}

TEST(DataTransforms, TransformTextBuildsTorchvisionsSteps) {
  Pipeline train;
  add_transforms(train,
                 "random_resized_crop(224) horizontal_flip(0.5) color_jitter(0.4, 0.4, 0.4, 0.1)",
                 "train_transforms");
  EXPECT_EQ(train.description(),
            "random_resized_crop(224x224, scale 0.08..1, ratio 0.75..1.33333) → "
            "random_horizontal_flip(0.5) → color_jitter(0.4, 0.4, 0.4, 0.1) → normalize");
  EXPECT_EQ(train.output_size(ImageSize{0, 0, 3}), (ImageSize{224, 224, 3}));
  EXPECT_EQ(train.reducible_to(), 224);
  Pipeline eval;
  add_transforms(eval, "resize(256) center_crop(224)", "eval_transforms");
  EXPECT_EQ(eval.output_size(ImageSize{375, 500, 3}), (ImageSize{224, 224, 3}));
  EXPECT_EQ(eval.output_size(ImageSize{0, 0, 3}), (ImageSize{224, 224, 3}));
  EXPECT_EQ(eval.reducible_to(), 256);
  Random random(0);
  EXPECT_EQ(eval.apply(Image(ImageSize{375, 500, 3}), random).size, (ImageSize{224, 224, 3}));
  Pipeline cifar;
  add_transforms(cifar, "random_crop(32, 4) horizontal_flip()", "k");
  EXPECT_EQ(cifar.description(),
            "random_crop(32x32, pad 4) → random_horizontal_flip(0.5) → normalize");
  EXPECT_EQ(cifar.reducible_to(), 0);  // a crop in pixels needs the image as it is

  Pipeline bad;
  EXPECT_EQ(error_message([&] {
              add_transforms(bad, "resize(256) blur(3)", "eval_transforms");
            }).rfind("config key 'eval_transforms': blur(3): unknown transform 'blur'", 0),
            0u);
  EXPECT_EQ(error_message([&] { add_transforms(bad, "center_crop(224", "eval_transforms"); }),
            "config key 'eval_transforms': center_crop(224: expected NAME(ARGUMENTS), e.g. "
            "resize(256) center_crop(224)");
  EXPECT_EQ(error_message([&] { add_transforms(bad, "random_resized_crop(224, 0.5)", "k"); }),
            "config key 'k': random_resized_crop(224, 0.5): give the scale as two bounds and the "
            "ratio as two bounds");
  EXPECT_EQ(error_message([&] { add_transforms(bad, "random_resized_crop(224, 0.5, 0.1)", "k"); }),
            "config key 'k': random_resized_crop(224, 0.5, 0.1): random_resized_crop: the scale "
            "range must satisfy 0 < low ≤ high ≤ 1, got 0.5..0.1");
  EXPECT_EQ(error_message([&] { add_transforms(bad, "resize(big)", "k"); }),
            "config key 'k': resize(big): 'big' is not a size in pixels (a whole number from 1 "
            "to 65536)");
  for (const char* padding : {"2.5", "-1", "1e64", "65537"})
    EXPECT_EQ(error_message([&] {
                add_transforms(bad, std::string("random_crop(32, ") + padding + ")", "k");
              }),
              std::string("config key 'k': random_crop(32, ") + padding + "): '" + padding +
                  "' is not a padding in pixels (a whole number from 0 to 65536)");
}

}  // namespace
}  // namespace hg::data
