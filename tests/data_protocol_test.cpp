// The retrieval protocols of DESIGN §5 at dataset level: sizes and disjointness of query /
// database / training sets for fmnist, cifar10, cifar10-1, cifar10-2 and image lists, the
// training-to-database positions, and that a seed gives the same split every time.
#include <gtest/gtest.h>

#include <algorithm>

#include "data/image_io.h"
#include "data/protocol.h"
#include "tests/data_test_files.h"

namespace hg::data {
namespace {

using test::disjoint;
using test::error_message;

// `count` 1×1 grey images whose pixel is (first + i) mod 256, class (first + i) mod 10.
std::shared_ptr<InMemoryDataset> synthetic(int64_t count, int64_t first, const std::string& name) {
  std::vector<uint8_t> pixels;
  std::vector<int32_t> ids;
  for (int64_t i = 0; i < count; ++i) {
    pixels.push_back(static_cast<uint8_t>((first + i) % 256));
    ids.push_back(static_cast<int32_t>((first + i) % 10));
  }
  return std::make_shared<InMemoryDataset>(name, ImageSize{1, 1, 1}, std::move(pixels),
                                           Labels::from_class_ids(std::move(ids), 10));
}

std::vector<int64_t> pool_indices(const std::shared_ptr<const Dataset>& dataset) {
  return dynamic_cast<const SubsetDataset&>(*dataset).indices();
}

// Each training item whose database position is known has that database item's pool index.
void expect_positions_point_at_the_same_items(const RetrievalData& data) {
  const auto& train = dynamic_cast<const SubsetDataset&>(*data.train);
  const auto& database = dynamic_cast<const SubsetDataset&>(*data.database);
  ASSERT_EQ(data.train_in_database.size(), static_cast<size_t>(train.size()));
  for (int64_t i = 0; i < train.size(); ++i)
    ASSERT_EQ(database.source_index(data.train_in_database[i]), train.source_index(i));
}

TEST(DataProtocol, Cifar10HoldsTrainingImagesOutOfTheDatabase) {
  auto train = synthetic(50000, 0, "train"), test = synthetic(10000, 50000, "test");
  RetrievalData data = cifar10_protocol(Protocol::cifar10, train, test, 0);
  EXPECT_EQ(data.query->size(), 1000);
  EXPECT_EQ(data.database->size(), 54000);
  EXPECT_EQ(data.train->size(), 5000);
  EXPECT_TRUE(disjoint(pool_indices(data.query), pool_indices(data.database)));
  EXPECT_TRUE(disjoint(pool_indices(data.query), pool_indices(data.train)));
  EXPECT_TRUE(disjoint(pool_indices(data.train), pool_indices(data.database)));
  EXPECT_EQ(data.train_in_database, std::vector<int64_t>(5000, -1));
  // The pool is train then test: pool item 55,000 is test item 5,000, pixel 55,000 mod 256.
  const auto& query = dynamic_cast<const SubsetDataset&>(*data.query);
  for (int64_t i = 0; i < query.size(); ++i)
    ASSERT_EQ(query.image(i).pixels[0], query.source_index(i) % 256);
  EXPECT_EQ(data.query->name(), "train + test (query)");
}

TEST(DataProtocol, Cifar10Dash1DrawsTrainingImagesFromTheDatabase) {
  auto train = synthetic(50000, 0, "train"), test = synthetic(10000, 50000, "test");
  RetrievalData data = cifar10_protocol(Protocol::cifar10_1, train, test, 4);
  EXPECT_EQ(data.query->size(), 1000);
  EXPECT_EQ(data.database->size(), 59000);
  EXPECT_EQ(data.train->size(), 5000);
  EXPECT_TRUE(disjoint(pool_indices(data.query), pool_indices(data.database)));
  expect_positions_point_at_the_same_items(data);
  std::vector<int> per_class(10, 0);
  for (int32_t id : data.train->labels().class_ids()) ++per_class[id];
  EXPECT_EQ(per_class, std::vector<int>(10, 500));
  RetrievalData again = cifar10_protocol(Protocol::cifar10_1, train, test, 4);
  EXPECT_EQ(pool_indices(again.query), pool_indices(data.query));
  EXPECT_EQ(pool_indices(again.train), pool_indices(data.train));
  EXPECT_NE(pool_indices(cifar10_protocol(Protocol::cifar10_1, train, test, 5).query),
            pool_indices(data.query));
}

TEST(DataProtocol, TestSetProtocolsQueryTheTestSet) {
  // cifar10-2 (and fmnist): queries = test, database = train, training = the database.
  auto train = synthetic(50000, 0, "train"), test = synthetic(10000, 50000, "test");
  RetrievalData all = test_set_protocol(train, test, 0, 0);
  EXPECT_EQ(all.query.get(), test.get());
  EXPECT_EQ(all.database.get(), train.get());
  EXPECT_EQ(all.train.get(), train.get());
  ASSERT_EQ(all.train_in_database.size(), 50000u);
  EXPECT_EQ(all.train_in_database[123], 123);
  // fmnist with num_train = 5,000: 500 per class, drawn from the database.
  RetrievalData sampled = test_set_protocol(train, test, 5000, 7);
  EXPECT_EQ(sampled.train->size(), 5000);
  std::vector<int> per_class(10, 0);
  for (int32_t id : sampled.train->labels().class_ids()) ++per_class[id];
  EXPECT_EQ(per_class, std::vector<int>(10, 500));
  EXPECT_EQ(sampled.train_in_database, pool_indices(sampled.train));
  EXPECT_EQ(test_set_protocol(train, test, 5000, 7).train_in_database, sampled.train_in_database);
}

TEST(DataProtocol, LoadsFmnistFromAFolderOfIdxFiles) {
  test::ScratchFolder folder;
  auto idx = [](std::vector<uint8_t> header, int count, int per_item) {
    header.resize(header.size() + count * per_item, 0);
    for (int i = 0; i < count; ++i)
      header[header.size() - count + i] = static_cast<uint8_t>(i % 10);
    return header;
  };
  // 40 training and 20 test images of 1×1; labels i mod 10.
  test::write_gzip(folder.file("train-images-idx3-ubyte.gz"),
                   idx({0, 0, 8, 3, 0, 0, 0, 40, 0, 0, 0, 1, 0, 0, 0, 1}, 40, 1));
  test::write_gzip(folder.file("train-labels-idx1-ubyte.gz"),
                   idx({0, 0, 8, 1, 0, 0, 0, 40}, 40, 1));
  test::write_gzip(folder.file("t10k-images-idx3-ubyte.gz"),
                   idx({0, 0, 8, 3, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 1}, 20, 1));
  test::write_gzip(folder.file("t10k-labels-idx1-ubyte.gz"), idx({0, 0, 8, 1, 0, 0, 0, 20}, 20, 1));
  ProtocolConfig config;
  config.root = folder.file("");
  config.num_train = 20;
  RetrievalData data = load_protocol(config);
  EXPECT_EQ(data.query->size(), 20);
  EXPECT_EQ(data.database->size(), 40);
  EXPECT_EQ(data.train->size(), 20);
  EXPECT_EQ(data.query->name(), "Fashion-MNIST test");
  config.protocol = Protocol::cifar10;
  config.root = "";
  EXPECT_EQ(error_message([&] { load_protocol(config); }),
            "cifar10: set the data root to the folder of the CIFAR-10 binary batches");
  EXPECT_EQ(error_message([] { parse_protocol("cifar11"); }),
            "unknown protocol 'cifar11' (fmnist, cifar10, cifar10-1, cifar10-2 or list)");
  EXPECT_EQ(parse_protocol("cifar10-1"), Protocol::cifar10_1);
}

TEST(DataProtocol, ImageListsGivenOrSplit) {
  test::ScratchFolder folder;
  Image image(ImageSize{2, 2, 3});
  std::string single, multi, database, query, train;
  for (int i = 0; i < 12; ++i) {
    std::string name = "img" + std::to_string(i) + ".png";
    write_png(folder.file(name), image);
    single += name + " " + std::to_string(i % 3) + "\n";
    multi += name + (i % 2 ? " 1 0 1\n" : " 0 1 1\n");
    (i < 3 ? query : database) += name + " " + std::to_string(i % 3) + "\n";
    if (i % 4 == 1 || i == 0) train += name + " " + std::to_string(i % 3) + "\n";
  }
  for (auto [name, text] : {std::pair{"single.txt", single},
                            {"multi.txt", multi},
                            {"database.txt", database},
                            {"query.txt", query},
                            {"train.txt", train}})
    test::write_text(folder.file(name), text);
  ProtocolConfig config;
  config.protocol = Protocol::list;
  config.images.height = config.images.width = 2;
  config.query_list = folder.file("query.txt");
  config.database_list = folder.file("database.txt");
  config.train_list = folder.file("train.txt");
  RetrievalData given = load_protocol(config);
  EXPECT_EQ(given.query->size(), 3);
  EXPECT_EQ(given.database->size(), 9);
  // Training images img0 and img1 are queries, not in the database; img5 and img9 sit at
  // database positions 2 and 6 (the database list starts at img3).
  EXPECT_EQ(given.train_in_database, (std::vector<int64_t>{-1, -1, 2, 6}));

  config.list = folder.file("single.txt");
  config.per_class = {1, 2, false};
  RetrievalData split = load_protocol(config);
  EXPECT_EQ(split.query->size(), 3);
  EXPECT_EQ(split.train->size(), 6);
  EXPECT_EQ(split.database->size(), 3);

  config.list = folder.file("multi.txt");
  config.num_query = 2;
  config.num_train = 4;
  RetrievalData random = load_protocol(config);
  EXPECT_TRUE(random.query->multi_label());
  EXPECT_EQ(random.query->size(), 2);
  EXPECT_EQ(random.database->size(), 10);
  EXPECT_EQ(random.train->size(), 4);
  expect_positions_point_at_the_same_items(random);
}

}  // namespace
}  // namespace hg::data
