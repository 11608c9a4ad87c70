// The real Fashion-MNIST of Debian's dataset-fashion-mnist package, when installed: counts,
// first labels, class balance and pixel sums.
//
// The reference numbers were computed independently with Python's gzip module:
//   import gzip
//   images = gzip.open("train-images-idx3-ubyte.gz").read()[16:]
//   labels = gzip.open("train-labels-idx1-ubyte.gz").read()[8:]
//   list(labels[:10]); sum(images); sum(images[:784]); sum(images[-784:])
// (and the same for t10k-*), on /usr/share/datasets/fashion-mnist.
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>

#include "data/idx.h"
#include "data/protocol.h"

namespace hg::data {
namespace {

int64_t pixel_sum(const InMemoryDataset& dataset, int64_t first, int64_t count) {
  const int64_t bytes = dataset.image_size().bytes();
  const uint8_t* start = dataset.pixels(first);
  return std::accumulate(start, start + count * bytes, int64_t{0});
}

class DataFashionMnist : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(fashion_mnist_directory()))
      GTEST_SKIP() << fashion_mnist_directory() << " not installed (Debian: dataset-fashion-mnist)";
  }
};

TEST_F(DataFashionMnist, CountsLabelsAndPixelSumsMatchPython) {
  FashionMnist sets = load_fashion_mnist();
  const InMemoryDataset& train = *sets.train;
  const InMemoryDataset& test = *sets.test;
  ASSERT_EQ(train.size(), 60000);
  ASSERT_EQ(test.size(), 10000);
  EXPECT_EQ(train.image_size(), (ImageSize{28, 28, 1}));
  std::vector<int32_t> train_first(train.labels().class_ids().begin(),
                                   train.labels().class_ids().begin() + 10);
  std::vector<int32_t> test_first(test.labels().class_ids().begin(),
                                  test.labels().class_ids().begin() + 10);
  EXPECT_EQ(train_first, (std::vector<int32_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}));
  EXPECT_EQ(test_first, (std::vector<int32_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
  EXPECT_EQ(pixel_sum(train, 0, 60000), 3431114169LL);
  EXPECT_EQ(pixel_sum(train, 0, 1), 76247);
  EXPECT_EQ(pixel_sum(train, 59999, 1), 16684);
  EXPECT_EQ(pixel_sum(test, 0, 10000), 573469082LL);
  EXPECT_EQ(pixel_sum(test, 0, 1), 33456);
  EXPECT_EQ(pixel_sum(test, 9999, 1), 24390);
  std::vector<int> per_class(10, 0);
  for (int32_t id : train.labels().class_ids()) ++per_class[id];
  EXPECT_EQ(per_class, std::vector<int>(10, 6000));
}

TEST_F(DataFashionMnist, FmnistProtocolSizes) {
  ProtocolConfig config;
  config.num_train = 5000;
  config.seed = 1;
  RetrievalData data = load_protocol(config);
  EXPECT_EQ(data.query->size(), 10000);
  EXPECT_EQ(data.database->size(), 60000);
  EXPECT_EQ(data.train->size(), 5000);
  for (int64_t i = 0; i < data.train->size(); i += 499)
    EXPECT_EQ(data.database->labels().class_id(data.train_in_database[i]),
              data.train->labels().class_id(i));
}

}  // namespace
}  // namespace hg::data
