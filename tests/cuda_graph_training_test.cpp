// Training steps captured as CUDA graphs and replayed (cuda_graph = on, train/step_runner.h)
// give the weights the same run gives eagerly (cuda_graph = off), bit for bit, in deterministic
// mode (DESIGN §3). Two methods on a Fashion-MNIST slice, three rounds each: attention-ADSH (the
// asymmetric strategy: V read through the step's row index, replaced after every round, so every
// round captures a new graph) and DPHB (AlexNet, whose dropout draws random numbers inside the
// captured step). Batches of 48 over rounds of 128 items end each round with a partial batch of
// 32, which runs eagerly between replays. The captured run must really capture: its
// setup line says cuda_graph is on and no notice reports a failed capture.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/idx.h"
#include "tests/data_test_files.h"
#include "tests/test_support.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace hg {
namespace {

namespace fs = std::filesystem;

// The run's log events of one kind.
std::vector<nlohmann::json> events(const std::string& run_directory, const std::string& kind) {
  std::vector<nlohmann::json> found;
  std::ifstream log(run_directory + "/log.jsonl");
  for (std::string line; std::getline(log, line);) {
    nlohmann::json event = nlohmann::json::parse(line);
    if (event["event"] == kind) found.push_back(event);
  }
  return found;
}

TEST(CudaGraphTraining, CapturedStepsGiveTheEagerWeightsBitForBit) {
  HG_REQUIRE_CUDA();
  if (!fs::exists(data::fashion_mnist_directory()))
    GTEST_SKIP() << "Fashion-MNIST not installed (Debian: dataset-fashion-mnist)";
  for (const std::string method : {"attention_adsh", "dphb"}) {
    std::map<std::string, Tensor> weights[2];
    std::vector<double> losses[2];
    test::ScratchFolder folder;
    for (int captured = 0; captured < 2; ++captured) {
      const std::string directory = folder.path(captured ? "captured" : "eager");
      Config config = test::fmnist_method_slice(method, "cuda", 400);
      config.set("batch_size", "48", "test");
      config.set("sample_size", "128", "test");
      config.set("cuda_graph", captured ? "on" : "off", "test");
      Trainer(config, directory, false).run();
      weights[captured] = load_checkpoint(directory + "/checkpoint.safetensors").model;
      losses[captured] = test::round_losses(directory);
      if (captured) {
        const std::vector<nlohmann::json> setup = events(directory, "setup");
        ASSERT_EQ(setup.size(), 1u) << method;
        EXPECT_EQ(setup[0]["cuda_graph"], "on") << method;
        for (const nlohmann::json& notice : events(directory, "notice"))
          ADD_FAILURE() << method << ": " << notice.dump();
      }
    }
    ASSERT_EQ(losses[1].size(), 3u) << method;
    EXPECT_EQ(losses[1], losses[0]) << method;
    ASSERT_EQ(weights[1].size(), weights[0].size()) << method;
    for (const auto& [name, eager] : weights[0]) {
      const Tensor eager_host = eager.to(Device::cpu).contiguous();
      const Tensor captured_host = weights[1].at(name).to(Device::cpu).contiguous();
      ASSERT_EQ(captured_host.shape(), eager_host.shape()) << method << " " << name;
      EXPECT_EQ(std::memcmp(captured_host.raw_data(), eager_host.raw_data(),
                            eager_host.numel() * dtype_size(eager_host.dtype())),
                0)
          << method << ": " << name << " differs between the captured and the eager run";
    }
  }
}

}  // namespace
}  // namespace hg
