// How a run's images become the model's input: the training transforms, the evaluation
// transforms and the normalization, from the config keys
//
//   image_size = 224              resize every image to 224 × 224 first (lists: when decoding)
//   train_transforms = TEXT       data/transform_spec.h steps, e.g.
//                                 random_resized_crop(224) horizontal_flip(0.5)
//   eval_transforms = TEXT        e.g. resize(256) center_crop(224); empty: the images as they
//                                 are (after image_size)
//   augment = crop_flip           shorthand for random_crop(S, 4) horizontal_flip(0.5), S the
//                                 image size (the CIFAR recipe); not with train_transforms
//   normalization = imagenet | dataset | m1,m2,m3,s1,s2,s3 (or m,s for every channel)
//                                 default imagenet with pretrained weights, dataset otherwise
//
// Training without train_transforms or augment uses the evaluation transforms. Both must end in
// the same square size: the model's input.
#pragma once

#include <string>

#include "data/dataset.h"
#include "data/transforms.h"
#include "train/training_setup.h"

namespace hg {

// The normalization a run's inputs get; "dataset" reads every training image once.
data::Normalization run_normalization(const TrainingSetup& setup, const data::Dataset& train);

// The text of the evaluation transforms as model.json records them (image_size's resize
// included), or "" when evaluation images go in as they are.
std::string evaluation_transforms(const TrainingSetup& setup);

// The model's input size for training images of `stored` size; a size the transforms cannot
// fix, or one that is not square, is an error naming the keys to set.
data::ImageSize run_input_size(const TrainingSetup& setup, data::ImageSize stored);

// The training pipeline for images of `stored` size, checked to give `input`-size images.
data::Pipeline training_pipeline(const TrainingSetup& setup, data::ImageSize stored,
                                 data::ImageSize input, const data::Normalization& normalization);

// The shorter side a list's JPEGs may be shrunk to while decoding, for both pipelines
// (Pipeline::reducible_to; 0: full size).
int run_reducible_to(const TrainingSetup& setup);

}  // namespace hg
