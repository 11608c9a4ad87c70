// HashModel: backbone → hash head (→ classifier), the network every method trains.
//
//   images [N, C, H, W] --backbone--> features [N, F] --hash head--> relaxed codes u [N, c]
//                                                      \--classifier (optional)--> logits [N, K]
//
// The classifier sits on the hash layer (DLBHC, AM-VGGH, DPHB's label term), so the codes
// themselves must carry the class. Children are named "backbone", "hash_layer", "classifier":
// a backbone's torchvision/timm names load under "backbone.".
#pragma once

#include <memory>

#include "hashing/hash_head.h"
#include "layers/linear.h"
#include "layers/module.h"

namespace hg::hashing {

struct HashOutput {
  Tensor features;  // [N, F], the backbone's output (AM-VGGH re-ranks by these)
  Tensor relaxed;   // [N, c], u
  Tensor logits;    // [N, K] when the model has a classifier, else undefined
};

class HashModel : public Module {
 public:
  // `classes` > 0 adds a Linear classifier c → classes on the hash layer.
  HashModel(std::shared_ptr<Module> backbone, int64_t feature_dim, int64_t bits,
            HashActivation activation, int64_t classes = 0);

  HashOutput run(const Tensor& images);
  Tensor forward(const Tensor& images) override { return run(images).relaxed; }

  int64_t bits() const { return head_->bits(); }
  int64_t feature_dim() const { return head_->in_features(); }
  HashActivation activation() const { return head_->activation(); }
  Module& backbone() { return *backbone_; }

 private:
  std::shared_ptr<Module> backbone_;
  std::shared_ptr<HashHead> head_;
  std::shared_ptr<Linear> classifier_;
};

}  // namespace hg::hashing
