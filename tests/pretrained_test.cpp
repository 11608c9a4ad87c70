// Pretrained weights (train/pretrained.h): loading by name with wrapper prefixes stripped and a
// report of what was and was not loaded; a file that loads nothing or a shape that differs
// refused, naming the file and both sides, before any weight changes. (The trainer's use of it,
// with rounds = 0, is in train_test.cpp; real torchvision weights in torchvision_parity_test.cpp.)
#include <gtest/gtest.h>

#include <filesystem>

#include "layers/models/backbone.h"
#include "tensor/ops.h"
#include "tensor/safetensors.h"
#include "tests/data_test_files.h"
#include "tests/test_support.h"
#include "train/pretrained.h"

namespace hg {
namespace {

namespace fs = std::filesystem;

// A path in this process's own scratch folder, so suites running side by side never share one.
std::string temporary_file(const std::string& name) {
  static test::ScratchFolder folder;
  return folder.path(name);
}

// A backbone with every floating tensor redrawn (BatchNorm's variances in [0.5, 1.5), the rest
// in [−1, 1)), so a loaded tensor differs from a fresh model's.
std::shared_ptr<Module> random_backbone(const std::string& name, const BackboneOptions& options,
                                        uint64_t seed) {
  std::shared_ptr<Module> backbone = make_backbone(name, options).module;
  for (auto& [tensor_name, tensor] : backbone->state_dict()) {
    if (!is_floating(tensor.dtype())) continue;
    bool variance = tensor_name.find("running_var") != std::string::npos;
    ops::copy_(tensor, variance ? test::random_uniform(tensor.shape(), seed++, 0.5, 1.5)
                                : test::random_uniform(tensor.shape(), seed++));
  }
  return backbone;
}

BackboneOptions narrow_resnet18() {
  BackboneOptions options;
  options.image_size = 32;
  options.width = 4;
  return options;
}

TEST(Pretrained, LoadsByNameWithoutWrapperPrefixesAndReportsBothSides) {
  auto source = random_backbone("resnet18", narrow_resnet18(), 1);
  std::map<std::string, Tensor> file;
  for (auto& [name, tensor] : source->state_dict())
    if (name.rfind("layer4.1.bn2.", 0) != 0) file["module." + name] = tensor;
  file["module.fc.weight"] = Tensor::zeros({10, 32});  // ImageNet's classifier, say
  std::string path = temporary_file("prefixed.safetensors");
  save_safetensors(path, file);

  auto target = make_backbone("resnet18", narrow_resnet18()).module;
  PretrainedReport report = load_pretrained(*target, path);
  EXPECT_EQ(report.backbone_tensors, 120);  // torchvision's resnet18 state dict less fc's two
  EXPECT_EQ(report.loaded.size(), 115u);
  std::vector<std::string> bn2 = {"layer4.1.bn2.weight", "layer4.1.bn2.bias",
                                  "layer4.1.bn2.running_mean", "layer4.1.bn2.running_var",
                                  "layer4.1.bn2.num_batches_tracked"};
  EXPECT_EQ(report.not_in_file, bn2);
  EXPECT_EQ(report.not_in_model, std::vector<std::string>{"fc.weight"});
  EXPECT_EQ(report.stripped_prefixes, std::vector<std::string>{"module."});
  EXPECT_EQ(report.summary(),
            "pretrained: loaded 115 of 120 backbone tensors from '" + path +
                "' (names without module.); not in the file (kept as initialised): "
                "layer4.1.bn2.weight, layer4.1.bn2.bias, layer4.1.bn2.running_mean, "
                "layer4.1.bn2.running_var, layer4.1.bn2.num_batches_tracked; in the file but not "
                "in the model: fc.weight (skipped)");
  EXPECT_EQ(report.json()["not_in_file"].size(), 5u);

  std::map<std::string, Tensor> loaded = target->state_dict(), original = source->state_dict();
  for (const std::string& name : report.loaded)
    EXPECT_TRUE(test::all_close(loaded.at(name), original.at(name), 0, 0)) << name;
  // What the file lacks keeps the fresh model's initialisation (BatchNorm's γ = 1).
  EXPECT_TRUE(test::all_close(loaded.at("layer4.1.bn2.weight"), Tensor::ones({32}), 0, 0));
  fs::remove(path);
}

TEST(Pretrained, LongListsStayOneLineAndTheJsonKeepsEveryName) {
  auto source = random_backbone("resnet18", narrow_resnet18(), 2);
  std::map<std::string, Tensor> file = {{"conv1.weight", source->state_dict().at("conv1.weight")}};
  std::string path = temporary_file("one_tensor.safetensors");
  save_safetensors(path, file);
  auto target = make_backbone("resnet18", narrow_resnet18()).module;
  PretrainedReport report = load_pretrained(*target, path);
  EXPECT_EQ(report.loaded, std::vector<std::string>{"conv1.weight"});
  EXPECT_EQ(report.not_in_file.size(), 119u);
  EXPECT_EQ(report.json()["not_in_file"].size(), 119u);
  EXPECT_NE(report.summary().find("layer1.0.conv2.weight and 113 more"), std::string::npos)
      << report.summary();
  fs::remove(path);
}

TEST(Pretrained, AFileThatLoadsNothingIsAnErrorNamingTheFileAndBothSides) {
  std::string path = temporary_file("unconverted.safetensors");
  save_safetensors(path, {{"features.0.0.weight", Tensor::zeros({4, 3, 3, 3})},
                          {"features.0.0.bias", Tensor::zeros({4})}});
  auto target = make_backbone("resnet18", narrow_resnet18()).module;
  std::string message = test::error_message([&] { load_pretrained(*target, path); });
  for (const char* part :
       {"has none of the backbone's 120 tensors", "features.0.0.bias", "features.0.0.weight",
        "the model's: conv1.weight, bn1.weight", "scripts/convert_weights.py"})
    EXPECT_NE(message.find(part), std::string::npos) << part << " in: " << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
  fs::remove(path);
}

TEST(Pretrained, AShapeThatDiffersIsAnErrorAndChangesNothing) {
  auto source = random_backbone("resnet18", narrow_resnet18(), 3);
  std::string path = temporary_file("grey.safetensors");
  save_safetensors(path, {{"conv1.weight", Tensor::zeros({4, 1, 3, 3})},
                          {"bn1.weight", source->state_dict().at("bn1.weight")}});
  auto target = make_backbone("resnet18", narrow_resnet18()).module;
  std::string message = test::error_message([&] { load_pretrained(*target, path); });
  for (const std::string& part :
       {path, std::string("conv1.weight is [4, 1, 3, 3] in the file but [4, 3, 3, 3] in the model"),
        std::string("the file's first names: bn1.weight, conv1.weight")})
    EXPECT_NE(message.find(part), std::string::npos) << part << " in: " << message;
  // The check comes first: bn1.weight, which did fit, was not loaded either.
  EXPECT_TRUE(test::all_close(target->state_dict().at("bn1.weight"), Tensor::ones({4}), 0, 0));
  fs::remove(path);
}

}  // namespace
}  // namespace hg
