// Every file in configs/ is a runnable method: it parses, every key it sets is one a setting
// reads, its transforms give the model's input size, its normalization follows its weights, and
// the model it names builds and maps a batch of the protocol's images to codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "autograd/node.h"
#include "tensor/random.h"
#include "tests/test_support.h"
#include "train/input_pipelines.h"
#include "train/trained_model.h"
#include "train/training_setup.h"

namespace hg {
namespace {

TEST(Configs, EveryConfigParsesAndItsModelRuns) {
  std::filesystem::path folder = std::filesystem::path(test::repository_root()) / "configs";
  int count = 0;
  std::set<std::string> models_run;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() != ".conf") continue;
    SCOPED_TRACE(entry.path().filename().string());
    Config config = Config::load(entry.path().string());
    TrainingSetup setup = read_training_setup(config);
    EXPECT_NO_THROW(config.check_all_read());
    EXPECT_GT(setup.rounds, 0);
    // The images each protocol stores: Fashion-MNIST 28 × 28 grey, CIFAR-10 32 × 32, lists
    // each at its own size.
    data::ImageSize stored{32, 32, 3};
    if (setup.protocol.protocol == data::Protocol::fmnist) stored = {28, 28, 1};
    if (setup.protocol.protocol == data::Protocol::list) stored = {0, 0, 3};
    data::ImageSize input = run_input_size(setup, stored);
    EXPECT_NO_THROW(training_pipeline(setup, stored, input, data::Normalization{}));
    EXPECT_TRUE(setup.pretrained.empty() == (setup.normalization == "dataset"));
    ModelDescription description;
    description.backbone = setup.backbone;
    description.backbone_options = setup.backbone_options;
    description.backbone_options.in_channels = input.channels;
    description.backbone_options.image_size = input.height;
    description.bits = setup.bits;
    description.activation = setup.activation;
    description.classifier_classes = setup.objective.classification_weight > 0 ? 10 : 0;
    ++count;
    // Configs of one method share a model: each distinct one runs once (224 × 224 VGG16 takes
    // seconds on the CPU).
    std::string model_key = detail::concat(
        description.backbone, attention_kind_name(description.backbone_options.attention),
        input.height, input.channels, description.backbone_options.feature_dim, setup.bits,
        description.classifier_classes, static_cast<int>(setup.activation));
    if (!models_run.insert(model_key).second) continue;
    manual_seed(0);
    auto model = build_model(description);
    model->eval();
    NoGradGuard no_grad;
    int64_t side = description.backbone_options.image_size;
    Tensor codes = model->forward(
        test::random_uniform({2, description.backbone_options.in_channels, side, side}, 1));
    EXPECT_EQ(codes.shape(), (Shape{2, setup.bits}));
  }
  // 11 methods × {fmnist, cifar10-1, nuswide}, and 10 at 224 on CIFAR-10 (not DSBH, whose small
  // CNN has no ImageNet weights).
  EXPECT_EQ(count, 43);
}

}  // namespace
}  // namespace hg
