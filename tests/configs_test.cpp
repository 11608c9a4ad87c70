// Every file in configs/ is a runnable method: it parses, every key it sets is one a setting
// reads, and the model it names builds and maps a batch of the protocol's images to codes.
#include <gtest/gtest.h>

#include <filesystem>

#include "autograd/node.h"
#include "tensor/random.h"
#include "tests/test_support.h"
#include "train/trained_model.h"
#include "train/training_setup.h"

namespace hg {
namespace {

TEST(Configs, EveryConfigParsesAndItsModelRuns) {
  std::filesystem::path folder =
      std::filesystem::path(HASHGRAD_FIXTURE_DIR).parent_path().parent_path() / "configs";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() != ".conf") continue;
    SCOPED_TRACE(entry.path().filename().string());
    Config config = Config::load(entry.path().string());
    TrainingSetup setup = read_training_setup(config);
    EXPECT_NO_THROW(config.check_all_read());
    EXPECT_GT(setup.rounds, 0);
    bool fmnist = setup.protocol.protocol == data::Protocol::fmnist;
    ModelDescription description;
    description.backbone = setup.backbone;
    description.backbone_options = setup.backbone_options;
    description.backbone_options.in_channels = fmnist ? 1 : 3;
    description.backbone_options.image_size =
        setup.image_size > 0 ? setup.image_size : (fmnist ? 28 : 32);
    description.bits = setup.bits;
    description.activation = setup.activation;
    description.classifier_classes = setup.objective.classification_weight > 0 ? 10 : 0;
    manual_seed(0);
    auto model = build_model(description);
    model->eval();
    NoGradGuard no_grad;
    int64_t side = description.backbone_options.image_size;
    Tensor codes = model->forward(
        test::random_uniform({2, description.backbone_options.in_channels, side, side}, 1));
    EXPECT_EQ(codes.shape(), (Shape{2, setup.bits}));
    ++count;
  }
  EXPECT_EQ(count, 22);  // 11 methods × {fmnist, cifar10-1}
}

}  // namespace
}  // namespace hg
