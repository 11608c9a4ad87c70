// The loader on small in-memory datasets whose pixels encode the item index: batch sizes and
// contents, labels and indices, every item once per epoch, seeded shuffles and augmentation that
// do not depend on the number of workers, drop_last, and errors from a worker.
#include <gtest/gtest.h>

#include <algorithm>

#include "data/loader.h"
#include "tests/data_test_files.h"

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

TEST(DataLoader, BatchesInOrderWithLabelsAndIndices) {
  LoaderOptions options;
  options.batch_size = 4;
  options.shuffle = false;
  Loader loader(numbered(10), Pipeline{}, options);
  EXPECT_EQ(loader.batches_per_epoch(), 3);
  std::vector<Batch> batches = whole_epoch(loader, 0);
  ASSERT_EQ(batches.size(), 3u);
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

}  // namespace
}  // namespace hg::data
