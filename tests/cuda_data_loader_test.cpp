// The loader's GPU path against its CPU path: batches copied asynchronously from pinned slots
// must equal the CPU batches of the same seed, through enough batches that every slot is
// reused (so a refill racing a pending copy would show). The GPU image pipeline (nvJPEG where
// built, the augmentation kernel) against the CPU image pipeline on a list of JPEGs and a PNG
// of different sizes: the same crops and flips, pixels within the decoders' differences.
#include <gtest/gtest.h>

#include <cmath>

#include "data/image_io.h"
#include "data/image_list.h"
#include "data/loader.h"
#include "tensor/jpeg_batch_decode.h"
#include "tests/data_test_files.h"
#include "tests/test_support.h"

namespace hg::data {
namespace {

TEST(CudaDataLoader, GpuBatchesEqualCpuBatches) {
  HG_REQUIRE_CUDA();
  std::vector<uint8_t> pixels(200 * 8 * 8 * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 7 % 251);
  std::vector<int32_t> ids;
  for (int i = 0; i < 200; ++i) ids.push_back(i % 10);
  auto dataset = std::make_shared<InMemoryDataset>("pattern", ImageSize{8, 8, 3}, pixels,
                                                   Labels::from_class_ids(ids, 10));
  Pipeline pipeline;
  pipeline.add(random_crop(6, 6, 1)).add(random_horizontal_flip());
  pipeline.normalize(Normalization{{0.4f, 0.5f, 0.6f}, {0.2f, 0.25f, 0.3f}});
  LoaderOptions options;
  options.batch_size = 16;
  options.workers = 2;
  options.prefetch = 2;
  options.seed = 5;
  Loader cpu(dataset, pipeline, options);
  options.device = Device::cuda;
  Loader gpu(dataset, pipeline, options);
  for (int64_t epoch : {0, 1}) {
    cpu.start_epoch(epoch);
    gpu.start_epoch(epoch);
    Batch expected, actual;
    while (cpu.next(expected)) {
      ASSERT_TRUE(gpu.next(actual));
      EXPECT_TRUE(actual.images.is_cuda());
      EXPECT_TRUE(test::all_close(actual.images, expected.images, 0, 0));
      EXPECT_TRUE(test::all_close(actual.labels, expected.labels, 0, 0));
      EXPECT_EQ(actual.class_ids.to_vector<int64_t>(), expected.class_ids.to_vector<int64_t>());
      EXPECT_EQ(actual.indices, expected.indices);
    }
    Batch none;
    EXPECT_FALSE(gpu.next(none));
  }
}

// A list of JPEGs of different sizes and one PNG, read at each file's own size and full
// resolution (no DCT-domain reduction, which only the CPU decoder has).
std::shared_ptr<ImageListDataset> jpeg_list(const test::ScratchFolder& folder) {
  std::string list;
  for (int i = 0; i < 12; ++i) {
    Image image(ImageSize{40 + 7 * i, 90 - 5 * i, 3});
    for (int y = 0; y < image.size.height; ++y)
      for (int x = 0; x < image.size.width; ++x)
        for (int c = 0; c < 3; ++c)
          image.at(y, x)[c] =
              static_cast<uint8_t>(128 + 100 * std::sin(0.1 * (x + 2 * y + 30 * c + i)));
    const std::string name = detail::concat("image", i, i == 5 ? ".png" : ".jpg");
    i == 5 ? write_png(folder.file(name), image) : write_jpeg(folder.file(name), image, 90);
    list += detail::concat(name, " ", i % 3, "\n");
  }
  test::write_text(folder.file("list.txt"), list);
  return ImageListDataset::from_list(folder.path("list.txt"), ImageListOptions());
}

TEST(CudaDataLoader, GpuImagePipelineGivesTheCropsOfTheCpuPipeline) {
  HG_REQUIRE_CUDA();
  test::ScratchFolder folder;
  auto dataset = jpeg_list(folder);
  Pipeline pipeline;
  pipeline.add(random_resized_crop(24, 24)).add(random_horizontal_flip());
  pipeline.normalize(imagenet_normalization());
  LoaderOptions options;
  options.batch_size = 5;
  options.seed = 3;
  options.device = Device::cuda;
  Loader cpu(dataset, pipeline, options);
  options.image_pipeline = ImagePipeline::gpu;
  Loader gpu(dataset, pipeline, options);
  // One byte level is 1/(255·0.224) ≈ 0.0175 after ImageNet's normalization. The augmentation
  // alone agrees to one level (image_resample_test); nvJPEG's IDCT and chroma upsampling may
  // differ from libjpeg-turbo's by a few levels on a pixel, and less on average.
  const bool nvjpeg = ops::gpu_jpeg_decoding_available();
  const double largest = (nvjpeg ? 8 : 1) / (255 * 0.224), mean = 1 / (255 * 0.224);
  Batch expected, actual;
  while (cpu.next(expected)) {
    ASSERT_TRUE(gpu.next(actual));
    EXPECT_TRUE(actual.images.is_cuda());
    EXPECT_EQ(actual.indices, expected.indices);
    const std::vector<float> a = actual.images.to_vector<float>();
    const std::vector<float> e = expected.images.to_vector<float>();
    ASSERT_EQ(a.size(), e.size());
    double worst = 0, sum = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      worst = std::max(worst, static_cast<double>(std::fabs(a[i] - e[i])));
      sum += std::fabs(a[i] - e[i]);
    }
    std::printf("batch of %zu items: largest difference %.4f, mean %.5f (nvJPEG %s)\n",
                actual.indices.size(), worst, sum / a.size(), nvjpeg ? "on" : "off");
    EXPECT_LE(worst, largest + 1e-6);
    EXPECT_LE(sum / a.size(), mean);
    EXPECT_TRUE(test::all_close(actual.labels, expected.labels, 0, 0));
  }
}

TEST(CudaDataLoader, GpuImagePipelineErrorsNameTheFile) {
  HG_REQUIRE_CUDA();
  test::ScratchFolder folder;
  test::write_bytes(folder.file("broken.jpg"), {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A});
  test::write_text(folder.file("list.txt"), "broken.jpg 0\n");
  auto dataset = ImageListDataset::from_list(folder.path("list.txt"), ImageListOptions());
  Pipeline pipeline;
  pipeline.add(random_resized_crop(8, 8));
  LoaderOptions options;
  options.device = Device::cuda;
  options.image_pipeline = ImagePipeline::gpu;
  Loader loader(dataset, pipeline, options);
  Batch batch;
  const std::string message = test::error_message([&] { loader.next(batch); });
  EXPECT_NE(message.find(folder.path("broken.jpg")), std::string::npos) << message;
}

}  // namespace
}  // namespace hg::data
