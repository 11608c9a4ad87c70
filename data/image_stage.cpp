// The choice of image stage, and the CPU stage (see image_stage.h).
#include "data/image_stage.h"

#include "tensor/jpeg_batch_decode.h"

namespace hg::data {

namespace {

class CpuImageStage : public ImageStage {
 public:
  CpuImageStage(std::shared_ptr<const Dataset> dataset, const Pipeline& pipeline, ImageSize output,
                Device device)
      : dataset_(std::move(dataset)), pipeline_(pipeline), output_(output), device_(device) {}

  size_t host_floats_per_item() const override { return static_cast<size_t>(output_.bytes()); }

  void prepare(size_t, int64_t, int64_t index, Random& random, float* row) override {
    Image image = pipeline_.apply(dataset_->image(index), random);
    check_stage_output(*dataset_, index, image.size, output_);
    write_chw(image, pipeline_.normalization(), row);
  }

  Tensor images(size_t, int64_t count, StagingBuffer& buffer) override {
    Tensor images = Tensor::empty({count, output_.channels, output_.height, output_.width},
                                  DType::f32, device_);
    buffer.copy_to(images, 0, static_cast<size_t>(count * output_.bytes()) * sizeof(float));
    return images;
  }

 private:
  std::shared_ptr<const Dataset> dataset_;
  Pipeline pipeline_;
  ImageSize output_;
  Device device_;
};

}  // namespace

ImagePipelineChoice choose_image_pipeline(const std::string& key, const std::string& value,
                                          Device device, const Pipeline& pipeline) {
  HG_CHECK(value == "cpu" || value == "gpu" || value == "auto", "config key '", key,
           "': cpu, gpu or auto, not '", value, "'");
  if (value == "cpu") return {ImagePipeline::cpu, "set"};
  const std::string step = pipeline.unplannable_step();
  if (value == "auto") {
    if (device != Device::cuda) return {ImagePipeline::cpu, "auto: the batches go to the CPU"};
    if (!ops::gpu_jpeg_decoding_available())
      return {ImagePipeline::cpu, "auto: this build has no nvJPEG"};
    if (!step.empty()) return {ImagePipeline::cpu, "auto: " + step + " runs on the CPU only"};
    return {ImagePipeline::gpu, "auto"};
  }
  HG_CHECK(device == Device::cuda, "config key '", key,
           "' = gpu needs the batches on the GPU (device = cuda), but they go to the CPU (",
           gpu_description(), "); set ", key, " = cpu or auto");
  HG_CHECK(step.empty(), "config key '", key, "' = gpu cannot run ", step,
           " on the GPU (it runs resize, center_crop, random_resized_crop and "
           "horizontal_flip, in that order); set ",
           key, " = cpu or auto");
  return {ImagePipeline::gpu, "set"};
}

const char* image_pipeline_name(ImagePipeline pipeline) {
  return pipeline == ImagePipeline::gpu ? "gpu" : "cpu";
}

void check_stage_output(const Dataset& dataset, int64_t index, ImageSize size, ImageSize output) {
  HG_CHECK(size == output, dataset.name(), ": item ", index, " came out of the transforms as ",
           size_string(size), ", expected ", size_string(output));
}

std::unique_ptr<ImageStage> make_cpu_image_stage(std::shared_ptr<const Dataset> dataset,
                                                 const Pipeline& pipeline, ImageSize output,
                                                 Device device) {
  return std::make_unique<CpuImageStage>(std::move(dataset), pipeline, output, device);
}

std::unique_ptr<ImageStage> make_image_stage(ImagePipeline kind,
                                             std::shared_ptr<const Dataset> dataset,
                                             const Pipeline& pipeline, ImageSize output,
                                             size_t slots, int64_t batch_size, Device device) {
  if (kind == ImagePipeline::cpu)
    return make_cpu_image_stage(std::move(dataset), pipeline, output, device);
  HG_CHECK(device == Device::cuda, "loader: the GPU image pipeline needs batches on the GPU");
  return make_gpu_image_stage(std::move(dataset), pipeline, output, slots, batch_size);
}

}  // namespace hg::data
