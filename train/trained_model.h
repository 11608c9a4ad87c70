// A trained model as a run directory keeps it: model.json (how to rebuild the network: backbone,
// options, code length, the input normalization) beside checkpoint.safetensors (its weights).
// `hashgrad encode` and `hashgrad search` with image queries load models this way.
#pragma once

#include <memory>
#include <string>

#include "data/transforms.h"
#include "hashing/hash_model.h"
#include "layers/models/backbone.h"

namespace hg {

struct ModelDescription {
  std::string backbone;
  BackboneOptions backbone_options;  // in_channels and image_size are the training data's
  int64_t bits = 0;
  hashing::HashActivation activation = hashing::HashActivation::tanh;
  int64_t classifier_classes = 0;  // 0: no classifier
  data::Normalization normalization;
  // What evaluation images go through before the model (data/transform_spec.h text: the run's
  // image_size resize and eval_transforms); empty: a resize to the input size.
  std::string eval_transforms;
};

// The model's input: image_size × image_size × in_channels.
data::ImageSize model_input_size(const ModelDescription& description);

// The pipeline that makes the model's input out of images of `stored` size (?x? when they
// vary): eval_transforms, or a resize to the input size; then the normalization. Throws, naming
// `data_name`, when its output is not the model's input size.
data::Pipeline evaluation_pipeline(const ModelDescription& description, data::ImageSize stored,
                                   const std::string& data_name);

// Builds the (untrained) network a description names.
std::shared_ptr<hashing::HashModel> build_model(const ModelDescription& description);

// model.json of a run directory: written atomically, read with every field checked.
void save_model_description(const std::string& path, const ModelDescription& description);
ModelDescription load_model_description(const std::string& path);

struct TrainedModel {
  ModelDescription description;
  std::shared_ptr<hashing::HashModel> model;  // weights loaded, evaluation mode, on `device`
};

// `source` is a run directory (model.json + checkpoint.safetensors) or a checkpoint file with
// model.json beside it. Errors name the file that is missing or wrong.
TrainedModel load_trained_model(const std::string& source, Device device);

}  // namespace hg
