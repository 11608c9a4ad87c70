// HashModel (see hash_model.h).
#include "hashing/hash_model.h"

namespace hg::hashing {

HashModel::HashModel(std::shared_ptr<Module> backbone, int64_t feature_dim, int64_t bits,
                     HashActivation activation, int64_t classes) {
  backbone_ = register_module("backbone", std::move(backbone));
  head_ = register_module("hash_layer", std::make_shared<HashHead>(feature_dim, bits, activation));
  if (classes > 0)
    classifier_ = register_module("classifier", std::make_shared<Linear>(bits, classes));
}

HashOutput HashModel::run(const Tensor& images) {
  HashOutput output;
  output.features = backbone_->forward(images);
  HG_CHECK(output.features.dim() == 2 && output.features.size(1) == head_->in_features(),
           "HashModel: the backbone gave features ", output.features.description(),
           ", the hash layer expects [N, ", head_->in_features(), "]");
  output.relaxed = head_->forward(output.features);
  if (classifier_) output.logits = classifier_->forward(output.relaxed);
  return output;
}

}  // namespace hg::hashing
