// The trainer end to end on a small slice of Fashion-MNIST (600 database, 100 query images):
// a short attention-ADSH run learns something, writes its run directory, resumes to exactly the
// weights of an uninterrupted run, and stops with a clear message on a NaN loss; with rounds = 0
// it writes the run of pretrained weights untrained. Also the config reader and its errors. On
// CUDA, a short run follows the CPU run's loss curve.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <cmath>
#include <nlohmann/json.hpp>

#include "data/idx.h"
#include "hashing/code_file.h"
#include "layers/models/backbone.h"
#include "tensor/ops.h"
#include "tensor/safetensors.h"
#include "tests/data_test_files.h"
#include "tests/device_test.h"
#include "tests/numeric_mode.h"
#include "train/checkpoint.h"
#include "train/encode.h"
#include "train/trained_model.h"
#include "train/trainer.h"
#include "train/training_setup.h"

namespace hg {
namespace {

namespace fs = std::filesystem;

// A path in this process's own scratch folder, so suites running side by side never share one.
std::string fresh_directory(const std::string& name) {
  static test::ScratchFolder folder;
  std::string path = folder.path(name);
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

// The codes the run directory's model gives the slice's queries or database (`which`), to compare
// with the query.codes or database.codes the run wrote.
std::vector<uint64_t> reencoded(const std::string& directory, const std::string& which) {
  TrainedModel trained = load_trained_model(directory, Device::cpu);
  data::ProtocolConfig protocol;
  protocol.max_query = 100;
  protocol.max_database = 600;
  data::RetrievalData data = data::load_protocol(protocol);
  std::shared_ptr<const data::Dataset> set = which == "query" ? data.query : data.database;
  EncodedSet encoded = encode_dataset(
      *trained.model, set, evaluation_pipeline(trained.description, set->image_size(), which), {});
  return to_code_set(encoded.codes, set->labels()).words;
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
  EXPECT_EQ(reencoded(directory, "query"),
            hashing::read_code_file(directory + "/query.codes").words);
  EXPECT_THROW(load_trained_model(directory + "/missing", Device::cpu), Error);
}

// precision = bf16 (autograd/mixed_precision.h) trains along the f32 run's loss curve: each
// round's mean loss within 2% of f32's and the final mAP within 0.03; yet the losses differ,
// so the policy was in force. (Measured on this slice, on the CPU, with the convolutions' results
// rounded to bf16: losses 34.165, 31.221, 27.844 in f32 and 34.173, 31.222, 27.815 in bf16, at
// most 0.2% apart; mAP@all 0.3157 and 0.3146.)
TEST_F(Training, Bf16RunFollowsTheF32LossCurve) {
  std::vector<double> losses[2], map_all(2);
  const char* precisions[2] = {"f32", "bf16"};
  for (int p = 0; p < 2; ++p) {
    Config config = small_run();
    config.set("precision", precisions[p], "test");
    std::string directory = fresh_directory(std::string("precision_") + precisions[p]);
    map_all[p] = Trainer(config, directory, false).run().map_all;
    losses[p] = test::round_losses(directory);
  }
  ASSERT_EQ(losses[0].size(), 3u);
  ASSERT_EQ(losses[1].size(), 3u);
  for (size_t round = 0; round < 3; ++round) {
    EXPECT_NEAR(losses[1][round], losses[0][round], 0.02 * losses[0][round]) << round;
  }
  EXPECT_NEAR(map_all[1], map_all[0], 0.03);
  EXPECT_NE(losses[1][0], losses[0][0]);
}

// rounds = 0 (the pretrained features' baseline) under the asymmetric strategy, whose database
// codes after training are V: from a file of cnn5 weights with DataParallel-style names and no
// attention block, the run directory holds those weights, their codes and metrics, and the log
// says what was loaded.
TEST_F(Training, RoundsZeroWritesTheRunOfThePretrainedWeights) {
  BackboneOptions options;  // small_run's model on 28 × 28 grey images
  options.in_channels = 1;
  options.image_size = 28;
  options.feature_dim = 64;
  options.attention = AttentionKind::mixed;
  std::map<std::string, Tensor> model = make_backbone("cnn5", options).module->state_dict();
  std::map<std::string, Tensor> pretrained, file;
  uint64_t seed = 40;
  for (auto& [name, tensor] : model) {
    if (name.rfind("attention.", 0) == 0) continue;  // added for hashing: not pretrained
    if (is_floating(tensor.dtype()))  // unlike the trainer's own seeded initialisation
      ops::copy_(tensor, name.find("running_var") != std::string::npos
                             ? test::random_uniform(tensor.shape(), seed++, 0.5, 1.5)
                             : test::random_uniform(tensor.shape(), seed++));
    pretrained[name] = file["module." + name] = tensor;
  }
  file["module.fc.weight"] = Tensor::zeros({10, 64});
  std::string weights = fresh_directory("cnn5.safetensors"), directory = fresh_directory("rounds0");
  save_safetensors(weights, file);
  Config config = small_run();
  config.set("rounds", "0", "test");
  config.set("pretrained", weights, "test");
  config.set("normalization", "dataset", "test");  // grey images: not ImageNet's statistics
  Trainer trainer(config, directory, false);
  hashing::RetrievalMetrics metrics = trainer.run();
  EXPECT_EQ(trainer.rounds_done(), 0);
  EXPECT_EQ(metrics.n_query, 100);
  for (const char* name :
       {"model.json", "checkpoint.safetensors", "metrics.json", "query.codes", "database.codes"})
    EXPECT_TRUE(fs::exists(directory + "/" + name)) << name;

  std::map<std::string, Tensor> saved =
      load_checkpoint(directory + "/checkpoint.safetensors").model;
  for (auto& [name, tensor] : pretrained)
    EXPECT_TRUE(test::all_close(saved.at("backbone." + name), tensor, 0, 0)) << name;
  // V is still random: every database code, the training items' included, is the network's.
  EXPECT_EQ(reencoded(directory, "database"),
            hashing::read_code_file(directory + "/database.codes").words);
  std::ifstream metrics_file(directory + "/metrics.json");
  EXPECT_EQ(nlohmann::json::parse(metrics_file)["rounds_done"], 0);
  std::vector<nlohmann::json> reports;
  std::ifstream log(directory + "/log.jsonl");
  for (std::string line; std::getline(log, line);) {
    nlohmann::json event = nlohmann::json::parse(line);
    EXPECT_NE(event["event"], "round");
    if (event["event"] == "pretrained") reports.push_back(event);
  }
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0]["loaded"], pretrained.size());
  EXPECT_EQ(reports[0]["backbone_tensors"], model.size());
  EXPECT_EQ(reports[0]["not_in_file"].size(), model.size() - pretrained.size());
  for (const auto& name : reports[0]["not_in_file"])
    EXPECT_EQ(name.get<std::string>().rfind("attention.", 0), 0u) << name;
  EXPECT_EQ(reports[0]["not_in_model"], nlohmann::json::array({"fc.weight"}));
  fs::remove_all(directory);
  fs::remove(weights);
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
  config.set("asymmetric_quantization_weight", "nan", "test");
  try {
    Trainer(config, fresh_directory("nan"), false).run();
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "the loss became nan at round 1, epoch 1, step 1; last good checkpoint: none "
                 "yet. Lower learning_rate or set clip_grad_norm");
  }
}

// cuda_graph on the CPU: `on` is an error naming the key and why, `auto` trains eagerly and the
// setup line says why (the GPU side: cuda_graph_training_test.cpp). Off, the default, says so.
// image_pipeline = auto on the CPU likewise: the setup line names the pipeline and the reason.
TEST_F(Training, CudaGraphOnTheCpuIsAnErrorWhenAskedForAndEagerOnAuto) {
  Config on = small_run();
  on.set("device", "cpu", "test");
  on.set("cuda_graph", "on", "test");
  const std::string message =
      test::error_message([&] { Trainer(on, fresh_directory("graph_on"), false); });
  EXPECT_NE(message.find("config key 'cuda_graph = on'"), std::string::npos) << message;
  EXPECT_NE(message.find("device = cuda"), std::string::npos) << message;

  Config automatic = small_run();
  automatic.set("device", "cpu", "test");
  automatic.set("cuda_graph", "auto", "test");
  automatic.set("image_pipeline", "auto", "test");
  const std::string directory = fresh_directory("graph_auto");
  Trainer(automatic, directory, false);
  std::ifstream log(directory + "/log.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(log, line));
  nlohmann::json setup = nlohmann::json::parse(line);
  ASSERT_EQ(setup["event"], "setup");
  EXPECT_EQ(setup["cuda_graph"], "the run is on the CPU; CUDA graphs need device = cuda");
  EXPECT_EQ(setup["image_pipeline"], "cpu");
  EXPECT_EQ(setup["image_pipeline_reason"], "auto: the batches go to the CPU");
  EXPECT_EQ(read_training_setup(small_run()).cuda_graph, CudaGraphSetting::off);
}

// A config written before a loss weight was renamed still runs: the old key's value reaches the
// loss (here a NaN, so the run stops at once) and the log says the key is deprecated.
TEST_F(Training, AnOldKeyIsReadAndTheLogSaysItIsDeprecated) {
  Config config = small_run();
  config.set("gamma", "nan", "old.conf:4");
  const std::string directory = fresh_directory("old_key");
  EXPECT_NE(test::error_message([&] {
              Trainer(config, directory, false).run();
            }).find("the loss became nan"),
            std::string::npos);
  std::vector<std::string> notices;
  std::ifstream log(directory + "/log.jsonl");
  for (std::string line; std::getline(log, line);) {
    nlohmann::json event = nlohmann::json::parse(line);
    if (event["event"] == "deprecated") notices.push_back(event["notice"]);
  }
  EXPECT_EQ(notices, std::vector<std::string>{"config key 'gamma' (old.conf:4) is deprecated: it "
                                              "is now 'asymmetric_quantization_weight'"});
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

TEST(Config, RenamedLossWeightsKeepTheirOldKeysWithADeprecationNotice) {
  Config old;
  old.set("gamma", "150", "old.conf:3");
  old.set("central_lambda", "0.5", "old.conf:4");
  TrainingSetup setup = read_training_setup(old);
  EXPECT_EQ(setup.objective.asymmetric_quantization_weight, 150);
  EXPECT_EQ(setup.objective.central_quantization_weight, 0.5);
  EXPECT_NO_THROW(old.check_all_read());
  EXPECT_EQ(
      old.deprecations(),
      (std::vector<std::string>{"config key 'gamma' (old.conf:3) is deprecated: it is now "
                                "'asymmetric_quantization_weight'",
                                "config key 'central_lambda' (old.conf:4) is deprecated: it is now "
                                "'central_quantization_weight'"}));

  Config current;
  current.set("asymmetric_quantization_weight", "150", "new.conf:3");
  EXPECT_EQ(read_training_setup(current).objective.asymmetric_quantization_weight, 150);
  EXPECT_TRUE(current.deprecations().empty());

  current.set("gamma", "100", "--set");
  EXPECT_EQ(test::error_message([&] { read_training_setup(current); }),
            "config key 'gamma' (--set) is the old name of 'asymmetric_quantization_weight' "
            "(new.conf:3): give only 'asymmetric_quantization_weight'");
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

// On CUDA a short training run follows the CPU run's loss curve (DESIGN §7). The same config,
// seed and Fashion-MNIST slice run on both devices in deterministic mode and strict fp32, so
// only the order of additions separates them. Two objectives: pointwise cross-entropy, and DPSH's
// pairwise likelihood against its bank of codes. Both train with SGD, not their configs' Adam:
// Adam's first steps move every weight by about ±lr whatever its gradient's size, so a gradient
// that is rounding noise on both devices would move the two models apart by a full step. Each
// of the three rounds' mean losses must agree to 1e-3 relative, and the final mAP@all to 0.02:
// codes are signs, and an output near 0 may take the other sign on the other device.
class CudaTraining : public test::DeviceTest {};

TEST_P(CudaTraining, ShortRunsFollowTheCpuLossCurve) {
  if (!fs::exists(data::fashion_mnist_directory()))
    GTEST_SKIP() << "Fashion-MNIST not installed (Debian: dataset-fashion-mnist)";
  test::NumericMode strict(true, true);
  for (const std::string method : {"pointwise_ce", "dpsh"}) {
    std::vector<double> losses[2], map_all(2);
    for (int d = 0; d < 2; ++d) {
      const std::string run_device = d == 0 ? "cpu" : "cuda";
      test::ScratchFolder folder;
      const std::string directory = folder.path("run");
      Config config = test::fmnist_method_slice(method, run_device, 400);
      for (auto [key, value] : {std::pair<const char*, const char*>{"optimizer", "sgd"},
                                {"learning_rate", "0.01"},
                                {"momentum", "0.9"}})
        config.set(key, value, "test");
      map_all[d] = Trainer(config, directory, false).run().map_all;
      losses[d] = test::round_losses(directory);
    }
    ASSERT_EQ(losses[0].size(), 3u) << method;
    ASSERT_EQ(losses[1].size(), 3u) << method;
    for (size_t round = 0; round < 3; ++round)
      EXPECT_NEAR(losses[1][round], losses[0][round], 1e-3 * std::abs(losses[0][round]))
          << method << ", round " << round + 1;
    EXPECT_NEAR(map_all[1], map_all[0], 0.02) << method;
  }
}

HG_INSTANTIATE_CUDA_TEST(CudaTraining);

}  // namespace
}  // namespace hg
