// The image-list path end to end, as a NUS-WIDE user runs it, on JPEGs written here: a
// multi-label list (multi-hot rows) of images of different sizes, torchvision-style transforms
// (random resized crop, flip and colour jitter for training; resize and centre crop for
// evaluation), one round of training, the encoding of queries and database, the Hamming search
// and the metrics. The run's mAP@all and mAP@k must equal a computation written out here from
// its code files and the list's labels (relevant = shares at least one label; ties in database
// order); `hashgrad encode` of the database list with the run's model (its eval_transforms read
// back from model.json) must give the run's database codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "data/image_io.h"
#include "hashing/code_file.h"
#include "tests/command_support.h"
#include "train/trainer.h"

namespace hg {
namespace {

using LabelRow = std::vector<int>;

// An image of `labels` (3 classes): each label lights one colour channel, over a gradient.
data::Image picture(const LabelRow& labels, int height, int width, int variant) {
  data::Image image(data::ImageSize{height, width, 3});
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c)
        image.at(y, x)[c] =
            static_cast<uint8_t>((labels[c] ? 170 : 30) + (x * 40) / width + variant * 5);
  return image;
}

struct Ranked {
  double average_precision_all, average_precision_at_k;
};

// AP of one query over the database ranked by Hamming distance (stable: ties in database order):
// the mean over relevant items of (relevant items so far) / (position); 0 with none.
Ranked average_precision(const hashing::CodeSet& queries, int64_t query,
                         const hashing::CodeSet& database,
                         const std::vector<LabelRow>& query_labels,
                         const std::vector<LabelRow>& database_labels, int64_t k) {
  const int words = (queries.bits + 63) / 64;
  std::vector<std::pair<int, int64_t>> ranking;
  for (int64_t j = 0; j < database.count; ++j) {
    int distance = 0;
    for (int w = 0; w < words; ++w)
      distance +=
          __builtin_popcountll(queries.words[query * words + w] ^ database.words[j * words + w]);
    ranking.push_back({distance, j});
  }
  std::stable_sort(ranking.begin(), ranking.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  auto shares = [&](int64_t j) {
    for (int c = 0; c < 3; ++c)
      if (query_labels[query][c] && database_labels[j][c]) return true;
    return false;
  };
  double sum_all = 0, sum_k = 0;
  int64_t found = 0, found_k = 0;
  for (size_t position = 0; position < ranking.size(); ++position) {
    if (!shares(ranking[position].second)) continue;
    ++found;
    const double precision = static_cast<double>(found) / (position + 1);
    sum_all += precision;
    if (static_cast<int64_t>(position) < k) sum_k += precision, ++found_k;
  }
  return {found ? sum_all / found : 0, found_k ? sum_k / found_k : 0};
}

class ListEndToEnd : public test::CommandTest {};

TEST_F(ListEndToEnd, MultiLabelJpegListTrainsEncodesSearchesAndScoresAsByHand) {
  const std::vector<LabelRow> combinations = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1},
                                              {1, 1, 0}, {0, 1, 1}, {1, 0, 1}};
  std::vector<LabelRow> database_labels, query_labels;
  std::string database_list, query_list;
  std::filesystem::create_directories(path("images"));
  for (int i = 0; i < 24; ++i) {
    const LabelRow& labels = combinations[i % combinations.size()];
    const bool query = i % 4 == 3;  // 6 queries, 18 database images
    const std::string name = "images/" + std::to_string(i) + ".jpg";
    data::write_jpeg(path(name), picture(labels, 30 + 3 * (i % 5), 40 + 4 * (i % 3), i % 4));
    std::string line = name + " " + std::to_string(labels[0]) + " " + std::to_string(labels[1]) +
                       " " + std::to_string(labels[2]) + "\n";
    (query ? query_list : database_list) += line;
    (query ? query_labels : database_labels).push_back(labels);
  }
  test::write_text(path("database.txt"), database_list);
  test::write_text(path("query.txt"), query_list);

  Config config;
  for (auto [key, value] : std::initializer_list<std::pair<const char*, std::string>>{
           {"protocol", "list"},
           {"query_list", path("query.txt")},
           {"database_list", path("database.txt")},
           {"train_transforms",
            "random_resized_crop(16) horizontal_flip(0.5) "
            "color_jitter(0.2, 0.2, 0.2, 0.05)"},
           {"eval_transforms", "resize(20) center_crop(16)"},
           {"normalization", "0.5,0.5,0.5,0.25,0.25,0.25"},
           {"backbone", "cnn5"},
           {"feature_dim", "32"},
           {"bits", "16"},
           {"pairwise_weight", "1"},
           {"rounds", "1"},
           {"batch_size", "6"},
           {"top_k", "5"},
           {"device", "cpu"},
           {"deterministic", "true"},
           {"workers", "2"},
           {"gallery_queries", "0"}})
    config.set(key, value, "test");
  const std::string run_directory = path("run");
  Trainer trainer(config, run_directory, false);
  hashing::RetrievalMetrics metrics = trainer.run();
  EXPECT_EQ(metrics.n_query, 6);
  EXPECT_EQ(metrics.n_database, 18);

  hashing::CodeSet queries = hashing::read_code_file(run_directory + "/query.codes");
  hashing::CodeSet database = hashing::read_code_file(run_directory + "/database.codes");
  ASSERT_EQ(queries.count, 6);
  ASSERT_EQ(database.count, 18);
  EXPECT_TRUE(queries.labels.multi_label());
  EXPECT_EQ(queries.labels.matrix()[3 * 1 + 1], 1);  // query 1 is image 7: labels {0, 1, 0}
  double map_all = 0, map_k = 0;
  for (int64_t q = 0; q < 6; ++q) {
    Ranked ranked = average_precision(queries, q, database, query_labels, database_labels, 5);
    map_all += ranked.average_precision_all / 6;
    map_k += ranked.average_precision_at_k / 6;
  }
  EXPECT_NEAR(metrics.map_all, map_all, 1e-9);
  EXPECT_NEAR(metrics.map_at_k, map_k, 1e-9);
  EXPECT_GT(map_all, 0.0);
  std::printf("list run: mAP@all %.4f, mAP@5 %.4f\n", map_all, map_k);

  test::CommandRun encoded =
      hashgrad("encode --model " + run_directory + " --data list:" + path("database.txt") +
               " --out " + path("again.codes"));
  ASSERT_EQ(encoded.status, 0) << encoded.err;
  EXPECT_EQ(hashing::read_code_file(path("again.codes")).words, database.words);
}

}  // namespace
}  // namespace hg
