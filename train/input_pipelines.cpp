// The transforms and normalization of a run (see input_pipelines.h).
#include "train/input_pipelines.h"

#include <algorithm>

#include "data/transform_spec.h"

namespace hg {

namespace {

// The steps every image goes through before the training or evaluation transforms.
data::Pipeline image_size_step(const TrainingSetup& setup) {
  data::Pipeline pipeline;
  const int side = static_cast<int>(setup.image_size);
  if (side > 0) pipeline.add(data::resize_to(side, side));
  return pipeline;
}

data::Pipeline evaluation_steps(const TrainingSetup& setup) {
  data::Pipeline pipeline = image_size_step(setup);
  data::add_transforms(pipeline, setup.eval_transforms, "eval_transforms");
  return pipeline;
}

// The training steps; augment's crop needs the size the images have when it runs.
data::Pipeline training_steps(const TrainingSetup& setup, data::ImageSize stored) {
  if (setup.augment == "crop_flip") {
    data::Pipeline pipeline = image_size_step(setup);
    const data::ImageSize size = pipeline.output_size(stored);
    HG_CHECK(size.height > 0,
             "config key 'augment': crop_flip crops the images at their size, "
             "but they vary in size; set image_size, or train_transforms");
    return pipeline.add(data::random_crop(size.height, size.width, 4))
        .add(data::random_horizontal_flip());
  }
  if (setup.train_transforms.empty()) return evaluation_steps(setup);
  data::Pipeline pipeline = image_size_step(setup);
  data::add_transforms(pipeline, setup.train_transforms, "train_transforms");
  return pipeline;
}

}  // namespace

data::Normalization run_normalization(const TrainingSetup& setup, const data::Dataset& train) {
  const int channels = train.image_size().channels;
  if (setup.normalization == "dataset") return data::compute_normalization(train);
  if (setup.normalization == "imagenet") {
    HG_CHECK(channels == 3,
             "config key 'normalization': imagenet's statistics are for RGB "
             "images, but the images have ",
             channels, " channel(s); set channels = 3");
    return data::imagenet_normalization();
  }
  const data::Normalization& given = setup.normalization_values;
  HG_CHECK(given.mean.size() == 1 || static_cast<int>(given.mean.size()) == channels,
           "config key 'normalization': ", given.mean.size(), " means and stds for ", channels,
           "-channel images (give one of each per channel, or one of each for all)");
  return given;
}

std::string evaluation_transforms(const TrainingSetup& setup) {
  if (setup.eval_transforms.empty()) return "";
  std::string text = setup.image_size > 0
                         ? detail::concat("resize(", setup.image_size, "x", setup.image_size, ") ")
                         : "";
  return text + setup.eval_transforms;
}

data::ImageSize run_input_size(const TrainingSetup& setup, data::ImageSize stored) {
  const data::ImageSize input = evaluation_steps(setup).output_size(stored);
  HG_CHECK(input.height > 0,
           "the training images vary in size (an image list without "
           "image_size): set image_size, or eval_transforms ending in a fixed size "
           "(e.g. resize(256) center_crop(224))");
  HG_CHECK(input.height == input.width,
           "the model reads square images, but the evaluation "
           "images come out ",
           data::size_string(input),
           "; make eval_transforms end in a "
           "square crop");
  return input;
}

data::Pipeline training_pipeline(const TrainingSetup& setup, data::ImageSize stored,
                                 data::ImageSize input, const data::Normalization& normalization) {
  data::Pipeline pipeline = training_steps(setup, stored);
  pipeline.normalize(normalization);
  const data::ImageSize output = pipeline.output_size(stored);
  HG_CHECK(output == input, "config key 'train_transforms': the training images come out ",
           data::size_string(output), " but the model reads ", data::size_string(input),
           " (what eval_transforms give): make both end in the same size");
  return pipeline;
}

int run_reducible_to(const TrainingSetup& setup) {
  const int evaluation = evaluation_steps(setup).reducible_to();
  // crop_flip's crop comes after image_size's resize, or is the first step (0).
  const int training = setup.augment == "crop_flip" ? image_size_step(setup).reducible_to()
                                                    : training_steps(setup, {}).reducible_to();
  // 0 means "full size": either pipeline wanting it wins.
  return evaluation == 0 || training == 0 ? 0 : std::max(evaluation, training);
}

}  // namespace hg
