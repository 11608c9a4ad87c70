// End to end through the hashgrad executable: `search` (printed and .npy results, radius),
// `eval` (metrics.json equal to the library's metrics, a real pr_curve.svg) and `export`, on
// small generated code files; and the one-line error, naming the flag, of each kind of mistake.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "hashing/code_io.h"
#include "hashing/cpu_hamming_index.h"
#include "hashing/metrics.h"
#include "hashing/npy.h"
#include "tests/command_support.h"
#include "tests/test_support.h"

namespace hg::hashing {
namespace {

using test::CommandRun;
using test::read_text;

class Commands : public test::CommandTest {
 protected:
  void SetUp() override {
    CommandTest::SetUp();
    // 300 database and 20 query codes of 24 bits in 4 classes, codes near a class centre.
    std::mt19937_64 generator(9);
    auto make = [&](int64_t count, int64_t first_id) {
      std::vector<float> signs(static_cast<size_t>(count * 24));
      std::vector<int32_t> classes(static_cast<size_t>(count));
      for (int64_t i = 0; i < count; ++i) {
        classes[i] = static_cast<int32_t>(generator() % 4);
        for (int j = 0; j < 24; ++j) {
          bool centre = ((classes[i] * 2654435761u) >> j) & 1;
          bool flip = generator() % 5 == 0;
          signs[i * 24 + j] = (centre != flip) ? 1.0f : -1.0f;
        }
      }
      std::vector<uint64_t> words(static_cast<size_t>(count));
      pack_signs(signs.data(), count, 24, words.data());
      CodeSet codes = CodeSet::from_words(24, words, Labels::from_class_ids(classes));
      for (int64_t i = 0; i < count; ++i) codes.ids[i] = first_id + i;
      return codes;
    };
    database_ = make(300, 1000);
    queries_ = make(20, 5000);
    write_code_file(path("db.hgc"), database_);
    write_code_file(path("q.hgc"), queries_);
  }

  CodeSet database_, queries_;
};

TEST_F(Commands, SearchPrintsAndWritesTheTopK) {
  SearchResult expected = CpuHammingIndex(database_.packed()).search(queries_.packed(), 3);
  CommandRun run = hashgrad("search --device cpu --index " + path("db.hgc") + " --query " +
                            path("q.hgc") + " -k 3");
  ASSERT_EQ(run.status, 0) << run.err;
  std::istringstream lines(run.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "# query\trank\tid\tdistance\tlabel");
  for (int64_t q = 0; q < 20; ++q)
    for (int64_t j = 0; j < 3; ++j) {
      ASSERT_TRUE(std::getline(lines, line));
      int64_t position = expected.ids[q * 3 + j];
      std::ostringstream want;
      want << 5000 + q << "\t" << j + 1 << "\t" << 1000 + position << "\t"
           << expected.distances[q * 3 + j] << "\t" << database_.labels.class_id(position);
      EXPECT_EQ(line, want.str());
    }

  run = hashgrad("search --device cpu --index " + path("db.hgc") + " --query " + path("q.hgc") +
                 " -k 3 --output " + path("results"));
  ASSERT_EQ(run.status, 0) << run.err;
  NpyArray ids = read_npy(path("results/ids.npy"));
  EXPECT_EQ(ids.shape, (Shape{20, 3}));
  std::vector<int64_t> expected_ids;
  for (int64_t position : expected.ids) expected_ids.push_back(1000 + position);
  EXPECT_EQ(ids.to_int64(), expected_ids);
  NpyArray distances = read_npy(path("results/distances.npy"));
  EXPECT_EQ(distances.type, "i4");
  EXPECT_EQ(distances.to_int64(),
            std::vector<int64_t>(expected.distances.begin(), expected.distances.end()));
  EXPECT_EQ(read_npy(path("results/labels.npy")).shape, (Shape{20, 3}));
}

TEST_F(Commands, RadiusResultsAreWrittenWithOffsets) {
  RadiusResult expected = CpuHammingIndex(database_.packed()).search_radius(queries_.packed(), 3);
  CommandRun run = hashgrad("search --device cpu --index " + path("db.hgc") + " --query " +
                            path("q.hgc") + " --radius 3 --output " + path("radius"));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(read_npy(path("radius/offsets.npy")).to_int64(), expected.offsets);
  std::vector<int64_t> expected_ids;
  for (int64_t position : expected.ids) expected_ids.push_back(1000 + position);
  EXPECT_EQ(read_npy(path("radius/ids.npy")).to_int64(), expected_ids);
}

TEST_F(Commands, EvalWritesTheLibraryMetricsAndAPlot) {
  CpuHammingIndex index(database_.packed());
  RetrievalMetrics expected =
      evaluate_retrieval(index, queries_.packed(), queries_.labels, database_.labels, 50);
  CommandRun run = hashgrad("eval --device cpu --index " + path("db.hgc") + " --queries " +
                            path("q.hgc") + " -k 50 --output " + path("eval"));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("24 bits"), std::string::npos) << run.out;
  nlohmann::json metrics = nlohmann::json::parse(read_text(path("eval/metrics.json")));
  const nlohmann::json& entry = metrics["results"][0];
  EXPECT_EQ(entry["bits"], 24);
  EXPECT_EQ(entry["k"], 50);
  EXPECT_DOUBLE_EQ(entry["map_at_k"].get<double>(), expected.map_at_k);
  EXPECT_DOUBLE_EQ(entry["map_all"].get<double>(), expected.map_all);
  EXPECT_DOUBLE_EQ(entry["precision_radius2"].get<double>(), expected.precision_radius2);
  EXPECT_EQ(entry["pr_curve"].size(), expected.pr_curve.size());
  // Codes built around class centres retrieve their class far better than chance (0.25).
  EXPECT_GT(expected.map_all, 0.5);
  std::string svg = read_text(path("eval/pr_curve.svg"));
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  EXPECT_NE(svg.find(">24 bits</text>"), std::string::npos);
}

TEST_F(Commands, ExportWritesNumpyArrays) {
  CommandRun run = hashgrad("export --codes " + path("db.hgc") + " --output " + path("exported"));
  ASSERT_EQ(run.status, 0) << run.err;
  NpyArray codes = read_npy(path("exported/codes.npy"));
  EXPECT_EQ(codes.shape, (Shape{300, 3}));
  CodeSet back = load_codes({path("exported/codes.npy"), path("exported/labels.npy"), 24});
  EXPECT_EQ(back.words, database_.words);
  EXPECT_EQ(back.labels.class_ids(), database_.labels.class_ids());
  EXPECT_EQ(read_npy(path("exported/ids.npy")).to_int64(), database_.ids);
}

TEST_F(Commands, MistakesGiveOneLineNamingTheFlag) {
  const std::string codes = " --index " + path("db.hgc") + " --query " + path("q.hgc");
  struct Case {
    std::string arguments, flag;
  };
  std::vector<Case> cases = {
      {"search" + codes + " -k ten", "--k"},
      {"search" + codes + " -k 0", "--k"},
      {"search" + codes + " -k 3 --bogus", "--bogus"},
      {"search" + codes, "-k"},
      {"search" + codes + " -k 3 --radius -2", "--radius"},
      {"search" + codes + " -k 3 --device tpu", "--device"},
      {"search" + codes + " -k 3 --gpus 0", "--gpus"},
      {"search" + codes + " -k 3 --gpus two", "--gpus"},
      {"search" + codes + " -k 3 --device cpu --gpus 2", "--gpus"},
      // More GPUs than any machine here has: on the CPU or past the visible devices.
      {"search" + codes + " -k 3 --gpus 1000", "--gpus"},
      {"eval --index " + path("db.hgc") + " --queries " + path("q.hgc") +
           " --gpus all --device cpu",
       "--gpus"},
      {"search --index " + path("missing.hgc") + " --query " + path("q.hgc") + " -k 1", "--index"},
      {"search" + codes + " -k 3 --rerank " + path("db.hgc"), "--rerank"},
      {"eval --index " + path("db.hgc") + " --queries " + path("q.hgc") + " --index " +
           path("db.hgc"),
       "--queries"},
      {"export --codes " + path("db.hgc"), "--output"},
  };
  for (const Case& c : cases) expect_one_line_error(c.arguments, c.flag);
  // Image queries without --model: said before any decoding.
  std::ofstream(path("cat.png")) << "png";
  CommandRun run =
      hashgrad("search --index " + path("db.hgc") + " --query " + path("cat.png") + " -k 1");
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.err.find("image queries need a trained model"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace hg::hashing
