// Transforms written as text, the way configs name them (train_transforms, eval_transforms):
// torchvision's steps in order, each NAME(ARGUMENTS), separated by spaces:
//
//   resize(256)                        Resize(256): the shorter side to 256
//   resize(224x224)                    Resize((224, 224))
//   center_crop(224)                   CenterCrop(224)  (also HxW)
//   random_crop(32, 4)                 RandomCrop(32, padding=4)  (padding optional)
//   random_resized_crop(224)           RandomResizedCrop(224); with scale and ratio bounds:
//   random_resized_crop(224, 0.08, 1, 0.75, 1.3333)
//   horizontal_flip(0.5)               RandomHorizontalFlip(0.5)  (probability optional)
//   color_jitter(0.4, 0.4, 0.4, 0.1)   ColorJitter(brightness, contrast, saturation, hue)
//
// e.g. "random_resized_crop(224) horizontal_flip(0.5)" for training and
// "resize(256) center_crop(224)" for evaluation, torchvision's ImageNet recipe.
#pragma once

#include <string>

#include "data/transforms.h"

namespace hg::data {

// Adds the steps of `text` to `pipeline`; a mistake is an error naming `key` and the step.
void add_transforms(Pipeline& pipeline, const std::string& text, const std::string& key);

}  // namespace hg::data
