// The loader on small in-memory datasets whose pixels encode the item index: batch sizes and
// contents, labels and indices, every item once per epoch, seeded shuffles and augmentation that
// do not depend on the number of workers, drop_last, and errors from a worker. Batch contents on
// every device; then the GPU path against the CPU path: batches copied asynchronously from pinned
// slots must equal the CPU batches of the same seed, through enough batches that every slot is
// reused (so a refill racing a pending copy would show). The GPU image pipeline (nvJPEG where
// built, the augmentation kernel) against the CPU image pipeline on a list of JPEGs and a PNG of
// different sizes: the same crops and flips, pixels within the decoders' differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "data/image_io.h"
#include "data/image_list.h"
#include "data/loader.h"
#include "tensor/jpeg_batch_decode.h"
#include "tests/data_test_files.h"
#include "tests/device_test.h"

namespace hg::data {
namespace {

using test::error_message;

// `count` 2×2 grey images whose four pixels are all 10·i mod 256, class i mod 3.
std::shared_ptr<InMemoryDataset> numbered(int64_t count) {
  std::vector<uint8_t> pixels;
  std::vector<int32_t> ids;
  for (int64_t i = 0; i < count; ++i) {
    pixels.insert(pixels.end(), 4, static_cast<uint8_t>(10 * i % 256));
    ids.push_back(static_cast<int32_t>(i % 3));
  }
  return std::make_shared<InMemoryDataset>("numbered", ImageSize{2, 2, 1}, std::move(pixels),
                                           Labels::from_class_ids(std::move(ids), 3));
}

std::vector<Batch> whole_epoch(Loader& loader, int64_t epoch) {
  loader.start_epoch(epoch);
  std::vector<Batch> batches;
  for (Batch batch; loader.next(batch);) batches.push_back(batch);
  return batches;
}

class DataLoaderOnDevice : public test::DeviceTest {};

TEST_P(DataLoaderOnDevice, BatchesInOrderWithLabelsAndIndices) {
  LoaderOptions options;
  options.batch_size = 4;
  options.shuffle = false;
  options.device = device();
  Loader loader(numbered(10), Pipeline{}, options);
  EXPECT_EQ(loader.batches_per_epoch(), 3);
  std::vector<Batch> batches = whole_epoch(loader, 0);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].images.device(), device());
  EXPECT_EQ(batches[0].images.shape(), (Shape{4, 1, 2, 2}));
  EXPECT_EQ(batches[2].images.shape(), (Shape{2, 1, 2, 2}));
  EXPECT_EQ(batches[2].indices, (std::vector<int64_t>{8, 9}));
  // Item 9: pixels 90/255 with the default normalization (mean 0, std 1).
  std::vector<float> last = batches[2].images.to_vector<float>();
  EXPECT_FLOAT_EQ(last[7], 90.f / 255.f);
  EXPECT_EQ(batches[1].class_ids.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 0, 1}));
  EXPECT_EQ(batches[1].labels.shape(), (Shape{4, 3}));
  EXPECT_EQ(batches[1].labels.to_vector<float>(),
            (std::vector<float>{0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0}));
  Batch extra;
  EXPECT_FALSE(loader.next(extra));
}

HG_INSTANTIATE_DEVICE_TEST(DataLoaderOnDevice);

TEST(DataLoader, ShuffledEpochsVisitEveryItemOnceAndDiffer) {
  LoaderOptions options;
  options.batch_size = 7;
  options.seed = 3;
  Loader loader(numbered(50), Pipeline{}, options);
  std::vector<int64_t> first, second;
  for (const Batch& batch : whole_epoch(loader, 0))
    first.insert(first.end(), batch.indices.begin(), batch.indices.end());
  for (const Batch& batch : whole_epoch(loader, 1))
    second.insert(second.end(), batch.indices.begin(), batch.indices.end());
  EXPECT_NE(first, second);
  for (std::vector<int64_t>* order : {&first, &second}) {
    // Each image still carries its own index: pixel = 10·index mod 256.
    std::sort(order->begin(), order->end());
    std::vector<int64_t> expected(50);
    for (int64_t i = 0; i < 50; ++i) expected[i] = i;
    EXPECT_EQ(*order, expected);
  }
  Loader same(numbered(50), Pipeline{}, options);
  Batch a, b;
  loader.start_epoch(1);
  ASSERT_TRUE(loader.next(a));
  same.start_epoch(1);
  ASSERT_TRUE(same.next(b));
  EXPECT_EQ(a.indices, b.indices);
}

TEST(DataLoader, AugmentationIsTheSameWithAnyNumberOfWorkers) {
  Pipeline pipeline;
  pipeline.add(random_crop(2, 2, 1)).add(random_horizontal_flip());
  pipeline.normalize(Normalization{{0.5f}, {0.25f}});
  std::vector<std::vector<float>> runs;
  for (int workers : {1, 3}) {
    LoaderOptions options;
    options.batch_size = 5;
    options.workers = workers;
    options.prefetch = workers + 1;
    options.seed = 11;
    Loader loader(numbered(23), pipeline, options);
    std::vector<float> all;
    for (const Batch& batch : whole_epoch(loader, 2)) {
      std::vector<float> values = batch.images.to_vector<float>();
      all.insert(all.end(), values.begin(), values.end());
      // Each row is its item's image, cropped with zero padding, normalized: every value is
      // (10·index/255 − .5)/.25 or the padding's (0 − .5)/.25 = −2.
      for (size_t row = 0; row < batch.indices.size(); ++row)
        for (int p = 0; p < 4; ++p) {
          float value = values[row * 4 + p];
          float item = (10.f * batch.indices[row] / 255.f - 0.5f) / 0.25f;
          ASSERT_TRUE(std::abs(value - item) < 1e-5 || std::abs(value + 2.f) < 1e-5) << value;
        }
    }
    runs.push_back(all);
  }
  EXPECT_EQ(runs[0], runs[1]);
}

TEST(DataLoader, DropLastAndMultiLabelBatches) {
  auto dataset =
      std::make_shared<InMemoryDataset>("multi", ImageSize{1, 1, 1}, std::vector<uint8_t>{1, 2, 3},
                                        Labels::from_multi_hot({1, 1, 0, 1, 1, 0}, 2));
  LoaderOptions options;
  options.batch_size = 2;
  options.drop_last = true;
  Loader loader(dataset, Pipeline{}, options);
  std::vector<Batch> batches = whole_epoch(loader, 0);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].images.shape(), (Shape{2, 1, 1, 1}));
  EXPECT_FALSE(batches[0].class_ids.defined());
  EXPECT_EQ(batches[0].labels.shape(), (Shape{2, 2}));
}

// Item 5 cannot be read, as an image list with a corrupt file would report.
class FailingDataset : public InMemoryDataset {
 public:
  FailingDataset()
      : InMemoryDataset("failing", ImageSize{1, 1, 1}, std::vector<uint8_t>(8, 0),
                        Labels::from_class_ids(std::vector<int32_t>(8, 0), 1)) {}
  Image image(int64_t index) const override {
    HG_CHECK(index != 5, "list.txt:6: cannot decode image 'five.png': Corrupt PNG");
    return InMemoryDataset::image(index);
  }
};

TEST(DataLoader, WorkerErrorsReachTheCaller) {
  LoaderOptions options;
  options.batch_size = 2;
  options.shuffle = false;
  Loader loader(std::make_shared<FailingDataset>(), Pipeline{}, options);
  Batch batch;
  ASSERT_TRUE(loader.next(batch));
  ASSERT_TRUE(loader.next(batch));
  EXPECT_EQ(error_message([&] { loader.next(batch); }),
            "list.txt:6: cannot decode image 'five.png': Corrupt PNG");
  EXPECT_FALSE(loader.next(batch));  // the epoch ended with the error
  LoaderOptions zero = options;
  zero.batch_size = 0;
  EXPECT_EQ(error_message([&] { Loader(numbered(3), Pipeline{}, zero); }),
            "loader: batch_size, workers and prefetch must be positive, got 0, 2, 4");
}

class CudaDataLoader : public test::DeviceTest {};

TEST_P(CudaDataLoader, GpuBatchesEqualCpuBatches) {
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

TEST_P(CudaDataLoader, GpuImagePipelineGivesTheCropsOfTheCpuPipeline) {
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

TEST_P(CudaDataLoader, GpuImagePipelineErrorsNameTheFile) {
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

HG_INSTANTIATE_CUDA_TEST(CudaDataLoader);

}  // namespace
}  // namespace hg::data
