// A short training run on CUDA follows the CPU run's loss curve (DESIGN §7). The same config,
// seed and Fashion-MNIST slice run on both devices in deterministic mode and strict fp32, so
// only the order of additions separates them. Two objectives: pointwise cross-entropy, and DPSH's
// pairwise likelihood against its bank of codes. Both train with SGD, not their configs' Adam:
// Adam's first steps move every weight by about ±lr whatever its gradient's size, so a gradient
// that is rounding noise on both devices would move the two models apart by a full step. Each
// of the three rounds' mean losses must agree to 1e-3 relative, and the final mAP@all to 0.02:
// codes are signs, and an output near 0 may take the other sign on the other device.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "data/idx.h"
#include "tests/data_test_files.h"
#include "tests/numeric_mode.h"
#include "tests/test_support.h"
#include "train/trainer.h"

namespace hg {
namespace {

namespace fs = std::filesystem;

TEST(CudaTraining, ShortRunsFollowTheCpuLossCurve) {
  HG_REQUIRE_CUDA();
  if (!fs::exists(data::fashion_mnist_directory()))
    GTEST_SKIP() << "Fashion-MNIST not installed (Debian: dataset-fashion-mnist)";
  test::NumericMode strict(true, true);
  for (const std::string method : {"pointwise_ce", "dpsh"}) {
    std::vector<double> losses[2], map_all(2);
    for (int d = 0; d < 2; ++d) {
      const std::string device = d == 0 ? "cpu" : "cuda";
      test::ScratchFolder folder;
      const std::string directory = folder.path("run");
      Config config = test::fmnist_method_slice(method, device, 400);
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

}  // namespace
}  // namespace hg
