// `hashgrad encode` and image queries of `hashgrad search` end to end, through the executable,
// on a run trained here on a Fashion-MNIST slice (50 queries, 300 database images, one round):
// encoding the run's data reproduces its query.codes and database.codes bit for bit; image
// files as queries get the codes and results of the same images' codes; both write galleries.
// Also the data specs, and the one-line error, naming the flag, of each kind of mistake.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data/idx.h"
#include "data/image_io.h"
#include "hashing/code_file.h"
#include "hashing/cpu_hamming_index.h"
#include "hashing/npy.h"
#include "tests/command_support.h"
#include "tests/test_support.h"
#include "train/data_spec.h"
#include "train/trainer.h"

namespace hg {
namespace {

namespace fs = std::filesystem;

using test::CommandRun;
using test::count_of;
using test::read_text;

// A pointwise (classification) run, so that database.codes are the network's codes too (an
// asymmetric run's database holds its learned V instead).
Config tiny_run() {
  return test::slice_run({{"method", "DLBHC <test slice>"},
                          {"classification_weight", "1"},
                          {"max_query", "50"},
                          {"max_database", "300"},
                          {"rounds", "1"}});
}

class EncodeCommand : public test::CommandTest {
 protected:
  // Trains the tiny run into folder/run (about two seconds on one core).
  bool train() {
    if (!fs::exists(data::fashion_mnist_directory())) return false;
    Trainer(tiny_run(), run(), false).run();
    return true;
  }

  std::string run() const { return path("run"); }
};

TEST_F(EncodeCommand, EncodingTheRunsDataReproducesItsCodes) {
  if (!train()) GTEST_SKIP() << "Fashion-MNIST not installed (Debian: dataset-fashion-mnist)";
  CommandRun result = hashgrad("encode --device cpu --model " + run() + " --data run:query@" +
                               run() + " --out " + path("query.codes"));
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("encoded 50 images"), std::string::npos) << result.out;
  hashing::CodeSet expected = hashing::read_code_file(run() + "/query.codes");
  hashing::CodeSet encoded = hashing::read_code_file(path("query.codes"));
  EXPECT_EQ(encoded.bits, 16);
  EXPECT_EQ(encoded.words, expected.words);
  EXPECT_EQ(encoded.ids, expected.ids);
  EXPECT_EQ(encoded.labels.class_ids(), expected.labels.class_ids());

  // The checkpoint file names the model as well as its folder; --features gives [n, 64].
  result = hashgrad("encode --device cpu --batch-size 7 --model " + run() +
                    "/checkpoint.safetensors --data run:database@" + run() + " --out " +
                    path("database.codes") + " --features " + path("features.npy"));
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(hashing::read_code_file(path("database.codes")).words,
            hashing::read_code_file(run() + "/database.codes").words);
  hashing::NpyArray features = hashing::read_npy(path("features.npy"));
  EXPECT_EQ(features.type, "f4");
  EXPECT_EQ(features.shape, (Shape{300, 64}));

  // The final evaluation's gallery: 8 queries, each beside its 10 nearest; the title escaped.
  std::string gallery = read_text(run() + "/gallery.html");
  EXPECT_EQ(count_of(gallery, "<img "), 8 * 11);
  EXPECT_EQ(count_of(gallery, "<figure class=\"query\">"), 8);
  EXPECT_EQ(count_of(gallery, "<figure class=\"relevant\">") +
                count_of(gallery, "<figure class=\"irrelevant\">"),
            80);
  EXPECT_NE(gallery.find("<h1>DLBHC &lt;test slice&gt; — nearest codes"), std::string::npos);
}

TEST_F(EncodeCommand, SearchEncodesImageQueriesWithTheModel) {
  if (!train()) GTEST_SKIP() << "Fashion-MNIST not installed (Debian: dataset-fashion-mnist)";
  // The first two test images are the run's queries 0 and 1: as PNG files they must find what
  // the run's codes of them find.
  data::FashionMnist sets = data::load_fashion_mnist();
  data::write_png(path("first.png"), sets.test->image(0));
  data::write_png(path("second.png"), sets.test->image(1));
  hashing::CodeSet queries = hashing::read_code_file(run() + "/query.codes");
  hashing::CodeSet database = hashing::read_code_file(run() + "/database.codes");
  hashing::PackedCodes first_two{queries.words.data(), 2, queries.bits};
  hashing::SearchResult expected = hashing::CpuHammingIndex(database.packed()).search(first_two, 5);

  CommandRun result =
      hashgrad("search --device cpu --model " + run() + " --index " + run() +
               "/database.codes --query " + path("first.png") + " " + path("second.png") +
               " -k 5 --output " + path("results") + " --html " + path("images.html"));
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(hashing::read_npy(path("results/ids.npy")).to_int64(), expected.ids);
  EXPECT_EQ(hashing::read_npy(path("results/distances.npy")).to_int64(),
            std::vector<int64_t>(expected.distances.begin(), expected.distances.end()));
  std::string gallery = read_text(path("images.html"));
  EXPECT_EQ(count_of(gallery, "<img "), 2 * 6);
  EXPECT_EQ(count_of(gallery, "<figure class=\"unknown\">"), 10);  // image queries: no labels
  EXPECT_EQ(count_of(gallery, "<figcaption>query<br>second.png</figcaption>"), 1);

  // Code queries of a run directory find their images through the run's config.txt.
  result = hashgrad("search --device cpu --index " + run() + "/database.codes --query " + run() +
                    "/query.codes -k 3 --html " + path("codes.html") + " --gallery-queries 4");
  ASSERT_EQ(result.status, 0) << result.err;
  gallery = read_text(path("codes.html"));
  EXPECT_EQ(count_of(gallery, "<img "), 4 * 4);
  EXPECT_EQ(count_of(gallery, "<figure class=\"unknown\">"), 0);

  std::ofstream(path("broken.png")) << "not a png";
  expect_one_line_error("search --device cpu --model " + run() + " --index " + run() +
                            "/database.codes --query " + path("broken.png") + " -k 1",
                        "broken.png");
  expect_one_line_error("search --device cpu --model " + run() + " --index " + run() +
                            "/database.codes --query " + path("first.png") + " " + run() +
                            "/query.codes -k 1",
                        "--query");
  fs::copy_file(run() + "/database.codes", path("outside.codes"));
  expect_one_line_error("search --device cpu --index " + path("outside.codes") + " --query " +
                            run() + "/query.codes -k 1 --html " + path("x.html"),
                        "--index-images");
}

TEST_F(EncodeCommand, MistakesGiveOneLineNamingTheFlag) {
  const std::string model = " --model " + folder_.string();
  struct Case {
    std::string arguments, flag;
  };
  std::vector<Case> cases = {
      {"encode --data fmnist:query --out " + path("x.codes"), "--model"},
      {"encode --model " + path("missing") + " --data fmnist:query --out " + path("x.codes"),
       "--model"},
      {"encode" + model + " --out " + path("x.codes"), "--data"},
      {"encode" + model + " --data fmnist:test --out " + path("x.codes"), "--data"},
      {"encode" + model + " --data cifar10-1:query --out " + path("x.codes"), "--data"},
      {"encode" + model + " --data fmnist:query", "--out"},
      {"encode" + model + " --data fmnist:query --out " + path("x.codes") + " --batch-size 0",
       "--batch-size"},
      {"encode" + model + " --data fmnist:query --out " + path("x.codes") + " --device tpu",
       "--device"},
  };
  for (const Case& c : cases) expect_one_line_error(c.arguments, c.flag);
  // A folder that is not a run: the error names the file that is missing.
  expect_one_line_error("encode" + model + " --data fmnist:query --out " + path("x.codes"),
                        "model.json");
  EXPECT_FALSE(fs::exists(path("x.codes")));
}

TEST(DataSpec, ParsesEachFormAndNamesTheFlagOfABadOne) {
  DataSpec spec = parse_data_spec("fmnist:query", "--data");
  EXPECT_EQ(spec.source, "fmnist");
  EXPECT_EQ(spec.part, "query");
  EXPECT_EQ(spec.path, "");
  spec = parse_data_spec("cifar10-1:train@/data/cifar", "--data");
  EXPECT_EQ(spec.source, "cifar10-1");
  EXPECT_EQ(spec.part, "train");
  EXPECT_EQ(spec.path, "/data/cifar");
  spec = parse_data_spec("run:database@runs/a:48", "--data");
  EXPECT_EQ(spec.part, "database");
  EXPECT_EQ(spec.path, "runs/a:48");
  spec = parse_data_spec("list:/data/x@2.txt", "--data");
  EXPECT_EQ(spec.source, "list");
  EXPECT_EQ(spec.path, "/data/x@2.txt");
  for (const char* bad : {"fmnist", "fmnist:test", "mnist:query", "cifar10:query", "run:query",
                          "fmnist:query@", "list:"}) {
    try {
      parse_data_spec(bad, "--index-images");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& error) {
      EXPECT_EQ(std::string(error.what()).rfind("--index-images '" + std::string(bad) + "'", 0), 0u)
          << error.what();
    }
  }
}

TEST(DataSpec, LoadsProtocolPartsAndRunData) {
  if (!fs::exists(data::fashion_mnist_directory()))
    GTEST_SKIP() << "Fashion-MNIST not installed (Debian: dataset-fashion-mnist)";
  auto query = load_data_spec(parse_data_spec("fmnist:query", "--data"), {});
  EXPECT_EQ(query->size(), 10000);
  EXPECT_EQ(query->image_size(), (data::ImageSize{28, 28, 1}));
  EXPECT_EQ(load_data_spec(parse_data_spec("fmnist:database", "--data"), {})->size(), 60000);

  // A run's recorded slice: its 50 queries.
  std::string run_directory = (fs::path(::testing::TempDir()) / "data_spec_test_run").string();
  fs::remove_all(run_directory);
  fs::create_directories(run_directory);
  std::ofstream(run_directory + "/config.txt") << "max_query = 50\nmax_database = 300\n";
  auto run_query = load_data_spec(parse_data_spec("run:query@" + run_directory, "--data"), {});
  EXPECT_EQ(run_query->size(), 50);
  EXPECT_EQ(run_query->image(7).pixels, query->image(7).pixels);
  EXPECT_THROW(
      load_data_spec(parse_data_spec("run:query@" + run_directory + "/none", "--data"), {}), Error);
  fs::remove_all(run_directory);
}

}  // namespace
}  // namespace hg
