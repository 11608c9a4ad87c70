// The loader's image stage: where an item of a batch becomes its normalized f32 C × H × W row.
// One interface, two implementations, picked once per loader (LoaderOptions::image_pipeline):
//
//   cpu  a worker thread decodes the item (libjpeg-turbo or stb_image, data/image_io.h), runs
//        the Pipeline's transforms and writes the floats into the slot's host buffer, which
//        next() copies to the batch's device (the loader as it always was);
//   gpu  a worker thread reads the item's file when it is a JPEG and the build has nvJPEG, or
//        else decodes it on the CPU at full size, and draws its crop box and flip with
//        Pipeline::plan (the draws of the CPU transforms, from the same seed); next() then
//        decodes the batch's JPEGs on the GPU with nvJPEG (tensor/jpeg_batch_decode.h; an image
//        nvJPEG declines is decoded on the CPU, and an error names its file), uploads the
//        others, and crops, resizes, flips and normalizes every image in one kernel
//        (tensor/image_resample.h).
//
// The gpu stage decodes JPEGs at full size (nvJPEG has no DCT-domain reduction), so with
// libjpeg-turbo's reduction on, the cpu stage draws its boxes on a smaller image and the two
// stages give different crops for the same seed; with the same decoded image they agree to a
// byte level (tests/image_resample_test.cpp).
#pragma once

#include <memory>
#include <string>

#include "data/dataset.h"
#include "data/transforms.h"
#include "tensor/staging_buffer.h"

namespace hg::data {

enum class ImagePipeline { cpu, gpu };

// The pipeline a run uses, and why, for its log: "set", or what kept auto on the CPU.
struct ImagePipelineChoice {
  ImagePipeline pipeline = ImagePipeline::cpu;
  std::string reason;
};

// The image pipeline of the config key `key` set to `value` (cpu | gpu | auto) for batches on
// `device` transformed by `pipeline`: auto is gpu when the batches go to the GPU, the build has
// nvJPEG and every step of `pipeline` joins one resampling (Pipeline::unplannable_step), cpu
// otherwise; gpu where it cannot run is a one-line error naming the key and why.
ImagePipelineChoice choose_image_pipeline(const std::string& key, const std::string& value,
                                          Device device, const Pipeline& pipeline);

// "gpu" or "cpu", as the config spells them.
const char* image_pipeline_name(ImagePipeline pipeline);

class ImageStage {
 public:
  virtual ~ImageStage() = default;
  // Floats of a slot's host buffer each item needs (0: the stage keeps its own data).
  virtual size_t host_floats_per_item() const = 0;
  // Worker thread: item `index` of the dataset as entry k of the batch filling slot `slot`;
  // `row` is its part of the slot's host images (host_floats_per_item floats). `random` is the
  // item's augmentation stream.
  virtual void prepare(size_t slot, int64_t k, int64_t index, Random& random, float* row) = 0;
  // Consumer thread, once entries 0..count−1 of slot `slot` are prepared: the batch's images,
  // f32 [count, C, H, W] on the loader's device. `buffer` is the slot's host buffer.
  virtual Tensor images(size_t slot, int64_t count, StagingBuffer& buffer) = 0;
};

// Throws naming the item when the pipeline made its image `size` instead of `output`.
void check_stage_output(const Dataset& dataset, int64_t index, ImageSize size, ImageSize output);

std::unique_ptr<ImageStage> make_cpu_image_stage(std::shared_ptr<const Dataset> dataset,
                                                 const Pipeline& pipeline, ImageSize output,
                                                 Device device);
std::unique_ptr<ImageStage> make_gpu_image_stage(std::shared_ptr<const Dataset> dataset,
                                                 const Pipeline& pipeline, ImageSize output,
                                                 size_t slots, int64_t batch_size);

// A stage for `slots` prefetch slots of `batch_size` items of `dataset`, whose images
// `pipeline` makes `output` in size, going to `device`.
std::unique_ptr<ImageStage> make_image_stage(ImagePipeline kind,
                                             std::shared_ptr<const Dataset> dataset,
                                             const Pipeline& pipeline, ImageSize output,
                                             size_t slots, int64_t batch_size, Device device);

}  // namespace hg::data
