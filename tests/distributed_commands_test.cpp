// `mpirun -np 2 hashgrad search/eval` against the one-process run on the same files (ctest
// label mpi): the sharded index must give exactly the same ids, distances, tie order, labels
// and metrics. The database is tied heavily (codes of 12 bits drawn with a bias, 301 of them,
// shared 151/150) so that ties straddle the two ranks' shares.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "hashing/code_file.h"
#include "tests/command_support.h"
#include "tests/random_codes.h"
#include "tests/test_support.h"

namespace hg::hashing {
namespace {

using test::CommandRun;
using test::read_text;

class ShardedCommands : public test::CommandTest {
 protected:
  void SetUp() override {
    CommandTest::SetUp();
    write_code_file(path("db.hgc"), make(301, 1000, 5));
    write_code_file(path("q.hgc"), make(25, 9000, 6));
  }

  static CodeSet make(int64_t count, int64_t first_id, uint64_t seed) {
    test::Codes codes = test::random_codes(count, 12, seed, 0.2);
    std::mt19937_64 generator(seed);
    std::vector<int32_t> classes(static_cast<size_t>(count));
    for (int32_t& value : classes) value = static_cast<int32_t>(generator() % 3);
    CodeSet set = CodeSet::from_words(12, codes.words, Labels::from_class_ids(classes, 3));
    for (int64_t i = 0; i < count; ++i) set.ids[i] = first_id + i;
    return set;
  }

  // The same hashgrad command in one process and under mpirun with two ranks.
  std::pair<CommandRun, CommandRun> both(const std::string& arguments,
                                         const std::string& output_one,
                                         const std::string& output_two) const {
    CommandRun one = hashgrad(arguments + output_one);
    CommandRun two = run(std::string(HASHGRAD_MPIRUN) + " " + test::build_directory() +
                         "/hashgrad " + arguments + output_two);
    return {one, two};
  }
};

TEST_F(ShardedCommands, SearchEqualsOneProcessTiesIncluded) {
  for (const char* k : {"1", "40", "301"}) {
    const std::string arguments =
        "search --device cpu --index " + path("db.hgc") + " --query " + path("q.hgc") + " -k " + k;
    auto [one, two] = both(arguments, "", "");
    ASSERT_EQ(one.status, 0) << one.err;
    ASSERT_EQ(two.status, 0) << two.err;
    // Rank 0 alone prints: the same lines, in the same order, once.
    EXPECT_EQ(two.out, one.out) << "k = " << k;
    EXPECT_GT(std::count(one.out.begin(), one.out.end(), '\n'), 25) << one.out;
  }
}

TEST_F(ShardedCommands, SearchWritesTheSameArrays) {
  const std::string arguments =
      "search --device cpu --index " + path("db.hgc") + " --query " + path("q.hgc") + " -k 60";
  auto [one, two] = both(arguments, " --output " + path("one"), " --output " + path("two"));
  ASSERT_EQ(one.status, 0) << one.err;
  ASSERT_EQ(two.status, 0) << two.err;
  for (const char* file : {"ids.npy", "distances.npy", "labels.npy"})
    EXPECT_EQ(read_text(path(std::string("two/") + file)),
              read_text(path(std::string("one/") + file)))
        << file;
}

TEST_F(ShardedCommands, RadiusSearchEqualsOneProcess) {
  const std::string arguments = "search --device cpu --index " + path("db.hgc") + " --query " +
                                path("q.hgc") + " --radius 2 --output ";
  auto [one, two] = both(arguments, path("one"), path("two"));
  ASSERT_EQ(one.status, 0) << one.err;
  ASSERT_EQ(two.status, 0) << two.err;
  for (const char* file : {"ids.npy", "distances.npy", "offsets.npy"})
    EXPECT_EQ(read_text(path(std::string("two/") + file)),
              read_text(path(std::string("one/") + file)))
        << file;
}

TEST_F(ShardedCommands, EvalEqualsOneProcess) {
  const std::string arguments = "eval --device cpu --index " + path("db.hgc") + " --queries " +
                                path("q.hgc") + " -k 30 --output ";
  auto [one, two] = both(arguments, path("one"), path("two"));
  ASSERT_EQ(one.status, 0) << one.err;
  ASSERT_EQ(two.status, 0) << two.err;
  // The table (every line but the last, which names the output folder), printed once.
  EXPECT_EQ(two.out.substr(0, two.out.rfind("wrote")), one.out.substr(0, one.out.rfind("wrote")));
  const nlohmann::json expected = nlohmann::json::parse(read_text(path("one/metrics.json")));
  const nlohmann::json actual = nlohmann::json::parse(read_text(path("two/metrics.json")));
  EXPECT_EQ(actual["results"][0]["index"], expected["results"][0]["index"]);
  for (const char* key : {"map_at_k", "map_all", "precision_at_k", "recall_at_k",
                          "precision_radius2", "pr_curve", "n_database", "n_query"})
    EXPECT_EQ(actual["results"][0][key], expected["results"][0][key]) << key;
  EXPECT_GT(expected["results"][0]["map_all"].get<double>(), 0.0);
}

TEST_F(ShardedCommands, MultiLabelEvalWritesTheSameMetricsFile) {
  // Multi-hot labels over 4 classes, some rows empty (relevant to nothing), on the same tied
  // codes: each rank decides relevance on its own share's labels.
  const auto relabel = [](CodeSet codes, uint64_t seed) {
    std::mt19937_64 generator(seed);
    std::vector<uint8_t> rows(static_cast<size_t>(codes.count * 4));
    for (uint8_t& value : rows) value = generator() % 3 == 0 ? 1 : 0;
    codes.labels = Labels::from_multi_hot(rows, 4);
    return codes;
  };
  write_code_file(path("db-multi.hgc"), relabel(make(301, 1000, 5), 7));
  write_code_file(path("q-multi.hgc"), relabel(make(25, 9000, 6), 8));
  for (const char* k : {"1", "45", "301"}) {
    const std::string arguments = "eval --device cpu --index " + path("db-multi.hgc") +
                                  " --queries " + path("q-multi.hgc") + " -k " + k + " --output ";
    auto [one, two] = both(arguments, path("one"), path("two"));
    ASSERT_EQ(one.status, 0) << one.err;
    ASSERT_EQ(two.status, 0) << two.err;
    // Byte for byte: the doubles as well as everything else.
    EXPECT_EQ(read_text(path("two/metrics.json")), read_text(path("one/metrics.json"))) << k;
    const nlohmann::json metrics = nlohmann::json::parse(read_text(path("one/metrics.json")));
    EXPECT_GT(metrics["results"][0]["map_at_k"].get<double>(), 0.0) << k;
  }
}

TEST_F(ShardedCommands, OptionsThatNeedTheWholeIndexSayToRunOneProcess) {
  CommandRun two =
      run(std::string(HASHGRAD_MPIRUN) + " " + test::build_directory() +
          "/hashgrad search --device cpu --index " + path("db.hgc") + " --query " + path("q.hgc") +
          " -k 5 --html " + path("g.html") + " --index-images fmnist:database");
  EXPECT_NE(two.status, 0);
  EXPECT_NE(two.err.find("without mpirun"), std::string::npos) << two.err;
  EXPECT_NE(two.err.find("rank"), std::string::npos) << two.err;
}

}  // namespace
}  // namespace hg::hashing
