// The GPU augmentation's single resampling against the CPU transforms, its reference: for each
// image, Pipeline::plan and Pipeline::apply draw from Randoms of the same seed, and
// ops::resample_images of the plans must give what apply then write_chw give. The CPU instance
// runs the same per-pixel formula (core/image_sampling.h) and must match exactly; the CUDA
// instance (label gpu, skipped without a device) to one byte level, 1/(255·std), in case a
// device rounds a blend on a rounding boundary the other way.
#include <gtest/gtest.h>

#include "data/color_jitter.h"
#include "data/transforms.h"
#include "tensor/image_resample.h"
#include "tests/device_test.h"

namespace hg::data {
namespace {

using test::error_message;

// Images of different sizes and shapes, each pixel a different mix of its position.
std::vector<Image> varied_images() {
  std::vector<Image> images;
  for (ImageSize size : {ImageSize{37, 53, 3}, ImageSize{64, 41, 3}, ImageSize{29, 29, 3},
                         ImageSize{100, 75, 3}, ImageSize{24, 90, 3}}) {
    Image image(size);
    for (size_t i = 0; i < image.pixels.size(); ++i)
      image.pixels[i] = static_cast<uint8_t>((i * 37 + i / 7 * 11 + size.width) % 256);
    images.push_back(image);
  }
  return images;
}

struct Comparison {
  Tensor expected, actual;
};

// Every image through `pipeline` on the CPU (expected) and as one resampling on `device`.
Comparison run_both(const Pipeline& pipeline, Device device) {
  const std::vector<Image> images = varied_images();
  std::vector<Image> transformed;
  std::vector<ImageSampling> samplings;
  std::vector<uint8_t> pixels;
  for (size_t i = 0; i < images.size(); ++i) {
    Random cpu_random(derive_seed(11, i)), plan_random(derive_seed(11, i));
    transformed.push_back(pipeline.apply(images[i], cpu_random));
    SamplingPlan plan = pipeline.plan(images[i].size, plan_random);
    EXPECT_EQ(plan.size, transformed.back().size) << pipeline.description();
    plan.sampling.source_offset = static_cast<int64_t>(pixels.size());
    samplings.push_back(plan.sampling);
    pixels.insert(pixels.end(), images[i].pixels.begin(), images[i].pixels.end());
  }
  const ImageSize out = transformed[0].size;
  const ChannelAffine affine = channel_affine(pipeline.normalization(), out.channels);
  Tensor source = Tensor::from_vector(pixels, {static_cast<int64_t>(pixels.size())}).to(device);
  Tensor actual = ops::resample_images(source, samplings, out.channels, out.height, out.width,
                                       affine.scale, affine.shift);
  return {to_tensor(transformed, pipeline.normalization()), actual.to(Device::cpu)};
}

Pipeline with_imagenet(Pipeline pipeline) { return pipeline.normalize(imagenet_normalization()); }

class ImageResampleTest : public test::DeviceTest {
 protected:
  void expect_same(const Pipeline& pipeline) {
    // One byte level of the channel with the smallest std (0.224).
    const double tolerance = device() == Device::cpu ? 0 : 1 / (255 * 0.224);
    Comparison result = run_both(pipeline, device());
    EXPECT_TRUE(test::all_close(result.actual, result.expected, 0, tolerance))
        << pipeline.description();
  }
};

TEST_P(ImageResampleTest, RandomResizedCropAndFlipEqualTheCpuTransforms) {
  expect_same(
      with_imagenet(Pipeline().add(random_resized_crop(24, 20)).add(random_horizontal_flip(0.5))));
  // Ratios no image here has: some draws miss all ten tries and take the central fallback.
  expect_same(with_imagenet(Pipeline().add(random_resized_crop(16, 16, {0.9, 1}, {2.5, 3}))));
}

TEST_P(ImageResampleTest, ResizeThenCenterCropEqualsTheCpuTransforms) {
  expect_same(with_imagenet(Pipeline()
                                .add(resize_shorter_to(30))
                                .add(center_crop_to(24, 20))
                                .add(random_horizontal_flip(0.5))));
  expect_same(with_imagenet(Pipeline().add(resize_to(24, 20))));
  expect_same(with_imagenet(Pipeline().add(center_crop_to(23, 21)).add(random_horizontal_flip(1))));
}

HG_INSTANTIATE_DEVICE_TEST(ImageResampleTest);

TEST(ImageResamplePlan, DrawsTheCropBoxAndFlipOfTheCpuTransforms) {
  Pipeline pipeline;
  pipeline.add(random_resized_crop(32, 32)).add(random_horizontal_flip(0.5));
  int flips = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    Random plan_random(seed), box_random(seed);
    const SamplingPlan plan = pipeline.plan({300, 400, 3}, plan_random);
    const CropWindow window =
        random_resized_crop_window(300, 400, {0.08, 1}, {3.0 / 4, 4.0 / 3}, box_random);
    const bool flip = box_random.uniform() < 0.5;
    EXPECT_EQ(plan.sampling.rows.start, window.top);
    EXPECT_EQ(plan.sampling.rows.extent, window.height);
    EXPECT_EQ(plan.sampling.columns.start, window.left);
    EXPECT_EQ(plan.sampling.columns.extent, window.width);
    EXPECT_EQ(plan.sampling.rows.resized, 32);
    EXPECT_EQ(plan.sampling.flip, flip ? 1 : 0);
    flips += plan.sampling.flip;
  }
  EXPECT_GT(flips, 5);
  EXPECT_LT(flips, 35);
}

TEST(ImageResamplePlan, ResizeThenCenterCropIsACropOfTheResizedGrid) {
  // resize(256) of 375x500 gives 256x341; center_crop(224) starts at round(16) = 16 and
  // round(58.5) = 58 (halves to even).
  Random random(0);
  const SamplingPlan plan = Pipeline()
                                .add(resize_shorter_to(256))
                                .add(center_crop_to(224, 224))
                                .plan({375, 500, 3}, random);
  EXPECT_EQ(plan.sampling.rows.start, 0);
  EXPECT_EQ(plan.sampling.rows.extent, 375);
  EXPECT_EQ(plan.sampling.rows.resized, 256);
  EXPECT_EQ(plan.sampling.rows.offset, 16);
  EXPECT_EQ(plan.sampling.columns.extent, 500);
  EXPECT_EQ(plan.sampling.columns.resized, 341);
  EXPECT_EQ(plan.sampling.columns.offset, 58);
  EXPECT_EQ(plan.size, (ImageSize{224, 224, 3}));
}

TEST(ImageResamplePlan, NamesTheFirstStepThatCannotJoin) {
  EXPECT_EQ(Pipeline().add(resize_shorter_to(256)).add(center_crop_to(224, 224)).unplannable_step(),
            "");
  EXPECT_EQ(Pipeline().add(random_crop(28, 28, 2)).unplannable_step(), "random_crop(28x28, pad 2)");
  EXPECT_EQ(Pipeline()
                .add(random_resized_crop(8, 8))
                .add(color_jitter({0.4, 0.4, 0.4, 0.1}))
                .unplannable_step()
                .rfind("color_jitter", 0),
            0u);
  EXPECT_EQ(Pipeline().add(center_crop_to(8, 8)).add(resize_to(4, 4)).unplannable_step(),
            "resize(4x4)");
  EXPECT_EQ(
      Pipeline().add(random_horizontal_flip(0.5)).add(center_crop_to(8, 8)).unplannable_step(),
      "center_crop(8x8)");
  Random random(0);
  const std::string message = error_message([&] {
    Pipeline().add(random_crop(28, 28, 2)).plan({32, 32, 1}, random);
  });
  EXPECT_NE(message.find("random_crop(28x28, pad 2) cannot join the GPU augmentation"),
            std::string::npos)
      << message;
}

TEST(ImageResamplePlan, ASamplingOutsideItsImageIsRefused) {
  ImageSampling sampling;
  sampling.height = sampling.width = 4;
  sampling.rows = {2, 3, 3, 0};  // rows 2..4 of a 4-row image
  sampling.columns = {0, 4, 4, 0};
  Tensor pixels = Tensor::from_vector(std::vector<uint8_t>(16, 0), {16});
  const std::string message =
      error_message([&] { ops::resample_images(pixels, {sampling}, 1, 3, 4, {1.f}, {0.f}); });
  EXPECT_NE(message.find("reads outside its 4x4 pixels"), std::string::npos) << message;
}

}  // namespace
}  // namespace hg::data
