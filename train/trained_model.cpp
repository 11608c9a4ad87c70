// Rebuilding a trained model from its run directory (see trained_model.h).
#include "train/trained_model.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_write.h"
#include "core/json.h"
#include "core/path_status.h"
#include "core/quoted_text.h"
#include "data/transform_spec.h"
#include "train/checkpoint.h"

namespace hg {

std::shared_ptr<hashing::HashModel> build_model(const ModelDescription& description) {
  Backbone backbone = make_backbone(description.backbone, description.backbone_options);
  return std::make_shared<hashing::HashModel>(backbone.module, backbone.feature_dim,
                                              description.bits, description.activation,
                                              description.classifier_classes);
}

data::ImageSize model_input_size(const ModelDescription& description) {
  int side = static_cast<int>(description.backbone_options.image_size);
  return {side, side, static_cast<int>(description.backbone_options.in_channels)};
}

data::Pipeline evaluation_pipeline(const ModelDescription& description, data::ImageSize stored,
                                   const std::string& data_name) {
  const data::ImageSize input = model_input_size(description);
  data::Pipeline pipeline;
  if (!description.eval_transforms.empty())
    data::add_transforms(pipeline, description.eval_transforms, "eval_transforms");
  else if (!(stored.height == input.height && stored.width == input.width))
    pipeline.add(data::resize_to(input.height, input.width));
  pipeline.normalize(description.normalization);
  const data::ImageSize output = pipeline.output_size(stored);
  HG_CHECK(output == input, data_name, ": its ", data::size_string(stored), " images become ",
           data::size_string(output), " through ", pipeline.description(), ", but the model reads ",
           data::size_string(input));
  return pipeline;
}

void save_model_description(const std::string& path, const ModelDescription& d) {
  nlohmann::json json = {
      {"format", "hashgrad-model-1"},
      {"backbone", d.backbone},
      {"attention", attention_kind_name(d.backbone_options.attention)},
      {"in_channels", d.backbone_options.in_channels},
      {"image_size", d.backbone_options.image_size},
      {"feature_dim", d.backbone_options.feature_dim},
      {"width", d.backbone_options.width},
      {"bits", d.bits},
      {"hash_activation", hashing::hash_activation_name(d.activation)},
      {"classifier_classes", d.classifier_classes},
      {"normalization", {{"mean", d.normalization.mean}, {"std", d.normalization.stddev}}},
      {"eval_transforms", d.eval_transforms}};
  write_atomically(path, [&](std::ostream& out) { out << json.dump(2) << "\n"; });
}

ModelDescription load_model_description(const std::string& path) {
  std::ifstream file(path);
  HG_CHECK(file.good(), "'", path, "' cannot be read: a run directory keeps its model.json there");
  ModelDescription d;
  try {
    std::stringstream text;
    text << file.rdbuf();
    const std::string what = "'" + path + "'";
    const nlohmann::json json = parse_json(text.str(), what);
    HG_CHECK(json.at("format") == "hashgrad-model-1", "'", path,
             "' is not a hashgrad model description");
    d.backbone = json.at("backbone").get<std::string>();
    d.backbone_options.attention = parse_attention_kind(json.at("attention").get<std::string>());
    d.backbone_options.in_channels = json_integer(json, "in_channels", what);
    d.backbone_options.image_size = json_integer(json, "image_size", what);
    d.backbone_options.feature_dim = json_integer(json, "feature_dim", what);
    d.backbone_options.width = json_integer(json, "width", what);
    d.bits = json_integer(json, "bits", what);
    d.activation = json.at("hash_activation").get<std::string>() == "sigmoid"
                       ? hashing::HashActivation::sigmoid
                       : hashing::HashActivation::tanh;
    d.classifier_classes = json_integer(json, "classifier_classes", what);
    d.normalization.mean = json.at("normalization").at("mean").get<std::vector<float>>();
    d.normalization.stddev = json.at("normalization").at("std").get<std::vector<float>>();
    d.eval_transforms = json.value("eval_transforms", "");  // absent before eval_transforms
  } catch (const nlohmann::json::exception& error) {
    throw Error("'" + path + "' is not a valid model description: " + quoted_text(error.what()));
  }
  return d;
}

TrainedModel load_trained_model(const std::string& source, Device device) {
  namespace fs = std::filesystem;
  HG_CHECK(path_exists(source), "model '", source,
           "' does not exist (give a run directory or its "
           "checkpoint.safetensors)");
  const bool run_directory = is_folder(source);
  fs::path folder = run_directory ? fs::path(source) : fs::path(source).parent_path();
  std::string checkpoint_path =
      run_directory ? (folder / "checkpoint.safetensors").string() : source;
  TrainedModel trained;
  trained.description = load_model_description((folder / "model.json").string());
  trained.model = build_model(trained.description);
  trained.model->load_state_dict(load_checkpoint(checkpoint_path).model);
  trained.model->to(device);
  trained.model->eval();
  return trained;
}

}  // namespace hg
