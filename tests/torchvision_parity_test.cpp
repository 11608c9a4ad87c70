// hashgrad's backbones against the real torchvision models with the same weights, through the
// path a user takes: tests/torchvision_reference.py builds torchvision's resnet18, vgg16, alexnet
// or swin_t with seeded random weights (nothing is downloaded), saves its checkpoint the ways
// users have them (for swin_t also in timm 0.6's and timm >= 0.9's names) and its features for
// two ImageNet-normalized 224 × 224 images; scripts/convert_weights.py converts each checkpoint;
// load_pretrained loads the result into hashgrad's backbone, which must load every tensor, skip
// only the classifier, and give torchvision's features:
//   max |hashgrad − torchvision| ≤ 1e-4 · max |torchvision|   (f32, on the CPU)
// The features are what the hash head reads: resnet18's and swin_t's pooled features, and
// vgg16's and alexnet's fc7 (torchvision's classifier without its last layer, in eval mode).
//
// Python with torch and torchvision (Debian's python3-torch and python3-torchvision, which
// scripts/test.sh installs for the tests) is HASHGRAD_TEST_PYTHON, /usr/bin/python3 by default;
// without it these tests fail, saying so. The ctest names contain "torchvision".
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "autograd/node.h"
#include "layers/models/backbone.h"
#include "tensor/safetensors.h"
#include "tests/command_support.h"
#include "tests/test_support.h"
#include "train/pretrained.h"

namespace hg {
namespace {

struct TorchvisionCase {
  std::string torchvision, hashgrad;
  std::vector<std::string> checkpoints;  // what the reference script wrote, converted in turn
  std::vector<std::string> classifier;   // the file's tensors the backbone leaves out
  std::string mapping;                   // a line the converter must print
};

std::string repository_path(const std::string& relative) {
  return (std::filesystem::path(test::repository_root()) / relative).string();
}

std::string python() { return HASHGRAD_TEST_PYTHON; }

// max |actual − expected| / max |expected|
double relative_error(const Tensor& actual, const Tensor& expected) {
  std::vector<float> a = actual.contiguous().to_vector<float>();
  std::vector<float> e = expected.contiguous().to_vector<float>();
  double difference = 0, scale = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    difference = std::max(difference, std::abs(static_cast<double>(a[i]) - e[i]));
    scale = std::max(scale, std::abs(static_cast<double>(e[i])));
  }
  return difference / scale;
}

class TorchvisionParity : public test::CommandTest,
                          public ::testing::WithParamInterface<TorchvisionCase> {};

TEST_P(TorchvisionParity, ConvertedCheckpointsGiveTorchvisionsFeatures) {
  const TorchvisionCase& c = GetParam();
  test::CommandRun reference =
      run(python() + " " + repository_path("tests/torchvision_reference.py") + " " + c.torchvision +
          " " + folder_.string());
  ASSERT_EQ(reference.status, 0)
      << reference.err << "\n(" << python()
      << " must import torch and torchvision: Debian's python3-torch and python3-torchvision; "
         "scripts/test.sh installs them)";
  std::map<std::string, Tensor> expected = read_safetensors(path("reference.safetensors")).tensors;
  const Tensor& images = test::entry(expected, "images");
  const Tensor& features = test::entry(expected, "features");

  for (const std::string& checkpoint : c.checkpoints) {
    std::string converted = path(checkpoint + ".hashgrad.safetensors");
    test::CommandRun conversion =
        run(python() + " " + repository_path("scripts/convert_weights.py") + " " +
            path(checkpoint) + " " + converted);
    ASSERT_EQ(conversion.status, 0) << checkpoint << ": " << conversion.err;
    EXPECT_NE(conversion.out.find(c.mapping), std::string::npos)
        << checkpoint << ": no line '" << c.mapping << "' in\n"
        << conversion.out;

    BackboneOptions options;  // 3 × 224 × 224
    std::shared_ptr<Module> backbone = make_backbone(c.hashgrad, options).module;
    PretrainedReport report = load_pretrained(*backbone, converted);
    EXPECT_EQ(static_cast<int64_t>(report.loaded.size()), report.backbone_tensors)
        << report.summary();
    EXPECT_EQ(report.not_in_model, c.classifier) << report.summary();
    backbone->eval();
    NoGradGuard no_grad;
    Tensor ours = (*backbone)(images);
    ASSERT_EQ(ours.shape(), features.shape());
    double error = relative_error(ours, features);
    EXPECT_LE(error, 1e-4) << checkpoint;
    std::printf("%s from %s: %lld features per image, relative error %.2e\n", c.hashgrad.c_str(),
                checkpoint.c_str(), static_cast<long long>(features.size(1)), error);
  }
}

INSTANTIATE_TEST_SUITE_P(
    torchvision, TorchvisionParity,
    ::testing::Values(TorchvisionCase{"resnet18",
                                      "resnet18",
                                      {"resnet18.pth"},
                                      {"fc.bias", "fc.weight"},
                                      "module.layer2.0.downsample.1.running_var -> "
                                      "layer2.0.downsample.1.running_var"},
                      TorchvisionCase{"vgg16",
                                      "vgg16",
                                      {"vgg16.pth"},
                                      {"classifier.6.bias", "classifier.6.weight"},
                                      "features.28.weight -> features.28.weight"},
                      TorchvisionCase{"alexnet",
                                      "alexnet",
                                      {"alexnet.pth"},
                                      {"classifier.6.bias", "classifier.6.weight"},
                                      "classifier.4.weight -> classifier.4.weight"},
                      TorchvisionCase{
                          "swin_t",
                          "swin_tiny",
                          {"swin_t.pth", "swin_t_timm06.pth", "swin_t_timm.safetensors"},
                          {"head.bias", "head.weight"},
                          "-> layers.2.downsample.reduction.weight"}),
    [](const ::testing::TestParamInfo<TorchvisionCase>& instance) {
      return instance.param.torchvision;
    });

// A tensor that has no place in the model stops the conversion: every such tensor named, no
// file written.
class ConvertWeights : public test::CommandTest {};

TEST_F(ConvertWeights, RefusesTensorsWithoutAPlaceNamingThemAndWritesNothing) {
  BackboneOptions options;
  options.image_size = 32;
  options.width = 4;
  std::map<std::string, Tensor> weights = make_backbone("resnet18", options).module->state_dict();
  weights["layer5.0.conv1.weight"] = Tensor::zeros({4, 4, 3, 3});
  weights["fc2.weight"] = Tensor::zeros({10, 32});
  save_safetensors(path("resnet18_plus.safetensors"), weights);
  test::CommandRun conversion =
      run(python() + " " + repository_path("scripts/convert_weights.py") + " " +
          path("resnet18_plus.safetensors") + " " + path("out.safetensors"));
  EXPECT_NE(conversion.status, 0);
  EXPECT_NE(conversion.err.find("2 tensors"), std::string::npos) << conversion.err;
  EXPECT_NE(conversion.err.find("layer5.0.conv1.weight"), std::string::npos) << conversion.err;
  EXPECT_NE(conversion.err.find("fc2.weight"), std::string::npos) << conversion.err;
  EXPECT_FALSE(std::filesystem::exists(path("out.safetensors")));
  EXPECT_FALSE(std::filesystem::exists(path("out.safetensors.tmp")));
}

}  // namespace
}  // namespace hg
