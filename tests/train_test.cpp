// The trainer end to end on a small slice of Fashion-MNIST (600 database, 100 query images):
// a short attention-ADSH run learns something, writes its run directory, resumes to exactly the
// weights of an uninterrupted run, and stops with a clear message on a NaN loss. Also the
// config reader and its errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data/idx.h"
#include "hashing/code_file.h"
#include "tensor/safetensors.h"
#include "tests/test_support.h"
#include "train/checkpoint.h"
#include "train/encode.h"
#include "train/trained_model.h"
#include "train/trainer.h"

namespace hg {
namespace {

namespace fs = std::filesystem;

std::string fresh_directory(const std::string& name) {
  std::string path = (fs::temp_directory_path() / ("hashgrad_train_test_" + name)).string();
  fs::remove_all(path);
  return path;
}

Config small_run() {
  return test::slice_run({{"method", "attention-ADSH (test slice)"},
                          {"attention", "mixed"},
                          {"asymmetric_weight", "1"},
                          {"max_query", "100"},
                          {"max_database", "600"},
                          {"rounds", "3"},
                          {"sample_size", "128"},
                          {"epochs_per_round", "1"}});
}

class Training : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(data::fashion_mnist_directory()))
      GTEST_SKIP() << "Fashion-MNIST not installed (Debian: dataset-fashion-mnist)";
  }
};

TEST_F(Training, ShortAsymmetricRunLearnsAndWritesItsRunDirectory) {
  std::string directory = fresh_directory("short");
  Trainer trainer(small_run(), directory, false);
  hashing::RetrievalMetrics metrics = trainer.run();
  // Ten balanced classes: random codes give mAP ≈ 0.1. Three tiny rounds must do clearly better.
  EXPECT_GT(metrics.map_all, 0.2);
  EXPECT_EQ(metrics.n_query, 100);
  EXPECT_EQ(metrics.n_database, 600);
  for (const char* file : {"config.txt", "log.jsonl", "checkpoint.safetensors", "metrics.json",
                           "query.codes", "database.codes", "pr_curve.svg"})
    EXPECT_TRUE(fs::exists(directory + "/" + file)) << file;
  hashing::CodeSet database = hashing::read_code_file(directory + "/database.codes");
  EXPECT_EQ(database.count, 600);
  EXPECT_EQ(database.bits, 16);
  EXPECT_THROW(Trainer(small_run(), directory, false), Error);  // would overwrite the run

  // The run directory alone rebuilds the model: re-encoding the queries gives query.codes.
  TrainedModel trained = load_trained_model(directory, Device::cpu);
  data::ProtocolConfig protocol;
  protocol.max_query = 100;
  protocol.max_database = 600;
  data::RetrievalData data = data::load_protocol(protocol);
  EncodedSet encoded =
      encode_dataset(*trained.model, data.query, trained.description.normalization, {});
  hashing::CodeSet queries = hashing::read_code_file(directory + "/query.codes");
  EXPECT_EQ(to_code_set(encoded.codes, data.query->labels()).words, queries.words);
  EXPECT_THROW(load_trained_model(directory + "/missing", Device::cpu), Error);
}

TEST_F(Training, ResumeReachesTheWeightsOfAnUninterruptedRun) {
  std::string whole = fresh_directory("whole"), split = fresh_directory("split");
  {
    Trainer trainer(small_run(), whole, false);
    trainer.train_until(3);
  }
  {
    Trainer first_part(small_run(), split, false);
    first_part.train_until(2);  // then "killed"
  }
  Trainer resumed(Config(), split, true);
  EXPECT_EQ(resumed.rounds_done(), 2);
  resumed.train_until(3);
  auto expected = load_safetensors(whole + "/checkpoint.safetensors");
  auto actual = load_safetensors(split + "/checkpoint.safetensors");
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto& [name, tensor] : expected) {
    ASSERT_TRUE(actual.count(name)) << name;
    EXPECT_TRUE(test::all_close(actual.at(name), tensor, 0, 0)) << name;
  }
}

TEST_F(Training, NanLossStopsWithTheStepAndTheLastCheckpoint) {
  Config config = small_run();
  config.set("gamma", "nan", "test");
  try {
    Trainer(config, fresh_directory("nan"), false).run();
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "the loss became nan at round 1, epoch 1, step 1; last good checkpoint: none "
                 "yet. Lower learning_rate or set clip_grad_norm");
  }
}

TEST(Checkpoint, RoundTripsAndRejectsForeignFiles) {
  std::string folder = fresh_directory("checkpoint");
  fs::create_directories(folder);
  Checkpoint checkpoint;
  checkpoint.rounds_done = 7;
  checkpoint.random = {3, 4096};
  checkpoint.model["conv.weight"] = test::f32({1, 2, 3}, {3});
  checkpoint.strategy["codes"] = test::f32({1, -1}, {1, 2});
  checkpoint.config_text = "bits = 16\n";
  save_checkpoint(folder + "/a.safetensors", checkpoint);
  Checkpoint loaded = load_checkpoint(folder + "/a.safetensors");
  EXPECT_EQ(loaded.rounds_done, 7);
  EXPECT_EQ(loaded.random.offset, 4096u);
  EXPECT_EQ(loaded.config_text, "bits = 16\n");
  EXPECT_EQ(loaded.model.at("conv.weight").to_vector<float>(), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(loaded.strategy.at("codes").to_vector<float>(), (std::vector<float>{1, -1}));

  save_safetensors(folder + "/plain.safetensors", {{"weight", test::f32({1}, {1})}});
  EXPECT_EQ(test::error_message([&] { load_checkpoint(folder + "/plain.safetensors"); }),
            "checkpoint '" + folder +
                "/plain.safetensors' has no 'format' in its metadata: not a hashgrad checkpoint");
  EXPECT_NE(test::error_message([&] {
              load_checkpoint(folder + "/missing.safetensors");
            }).find("missing.safetensors"),
            std::string::npos);
}

TEST(Config, ReadsFilesOverridesAndReportsMistakes) {
  std::string path = fresh_directory("config") + ".conf";
  std::ofstream(path) << "# a comment\nbits = 32   # trailing comment\n\nlearning_rate=0.01\n";
  Config config = Config::load(path);
  config.set_from_text("bits=64");
  EXPECT_EQ(config.get_int("bits", 0), 64);
  EXPECT_DOUBLE_EQ(config.get_double("learning_rate", 0), 0.01);
  EXPECT_EQ(config.get_int("rounds", 7), 7);
  EXPECT_NO_THROW(config.check_all_read());

  config.set("batch_sise", "64", path + ":9");
  try {
    config.check_all_read();
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("'batch_sise' (" + path + ":9)"), std::string::npos)
        << error.what();
  }
  Config bad = Config::load(path);
  bad.set_from_text("bits=many");
  try {
    bad.get_int("bits", 0);
    FAIL();
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "config key 'bits' (--set): expected a whole number, got 'many'");
  }
  EXPECT_THROW(bad.set_from_text("no equals sign"), Error);
  std::ofstream(path) << "bits 32\n";
  try {
    Config::load(path);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()), path + ":1: expected 'key = value', got 'bits 32'");
  }
  EXPECT_THROW(Config::load(path + ".missing"), Error);
}

}  // namespace
}  // namespace hg
