// The host side of the loader's image pipelines: the choice of image_pipeline (cpu | gpu |
// auto) and its errors, and the JPEG files an image list hands the GPU pipeline (encoded(),
// the header's size). The GPU pipeline's batches against the CPU pipeline's are in
// data_loader_test.cpp (CudaDataLoader, label gpu).
#include <gtest/gtest.h>

#include "data/color_jitter.h"
#include "data/image_io.h"
#include "data/image_list.h"
#include "data/image_stage.h"
#include "tensor/jpeg_batch_decode.h"
#include "tests/data_test_files.h"

namespace hg::data {
namespace {

using test::error_message;

Pipeline crop_and_flip() {
  Pipeline pipeline;
  pipeline.add(random_resized_crop(16, 16)).add(random_horizontal_flip());
  return pipeline;
}

TEST(DataImageStage, CpuIsChosenWhereTheGpuPipelineCannotRunAndTheRunLogSaysWhy) {
  ImagePipelineChoice set = choose_image_pipeline("image_pipeline", "cpu", Device::cuda,
                                                  crop_and_flip());
  EXPECT_EQ(set.pipeline, ImagePipeline::cpu);
  EXPECT_EQ(set.reason, "set");
  ImagePipelineChoice on_cpu = choose_image_pipeline("image_pipeline", "auto", Device::cpu,
                                                     crop_and_flip());
  EXPECT_EQ(on_cpu.pipeline, ImagePipeline::cpu);
  EXPECT_EQ(on_cpu.reason, "auto: the batches go to the CPU");
  Pipeline jitter = crop_and_flip();
  jitter.add(color_jitter({0.4, 0, 0, 0}));
  ImagePipelineChoice jittered = choose_image_pipeline("image_pipeline", "auto", Device::cuda,
                                                       jitter);
  EXPECT_EQ(jittered.pipeline, ImagePipeline::cpu);
  // auto takes the GPU on a GPU only where the build decodes JPEGs there.
  ImagePipelineChoice automatic = choose_image_pipeline("image_pipeline", "auto", Device::cuda,
                                                        crop_and_flip());
  if (ops::gpu_jpeg_decoding_available()) {
    EXPECT_EQ(automatic.pipeline, ImagePipeline::gpu);
    EXPECT_EQ(automatic.reason, "auto");
    EXPECT_EQ(jittered.reason.rfind("auto: color_jitter", 0), 0u) << jittered.reason;
  } else {
    EXPECT_EQ(automatic.pipeline, ImagePipeline::cpu);
    EXPECT_EQ(automatic.reason, "auto: this build has no nvJPEG");
    EXPECT_EQ(jittered.reason, "auto: this build has no nvJPEG");
  }
  ImagePipelineChoice gpu = choose_image_pipeline("image_pipeline", "gpu", Device::cuda,
                                                  crop_and_flip());
  EXPECT_EQ(gpu.pipeline, ImagePipeline::gpu);
  EXPECT_STREQ(image_pipeline_name(gpu.pipeline), "gpu");
  EXPECT_STREQ(image_pipeline_name(set.pipeline), "cpu");
}

TEST(DataImageStage, GpuWhereItCannotRunIsAnErrorNamingTheKey) {
  std::string message = error_message(
      [] { choose_image_pipeline("image_pipeline", "gpu", Device::cpu, crop_and_flip()); });
  EXPECT_NE(message.find("config key 'image_pipeline' = gpu needs the batches on the GPU"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  Pipeline padded;
  padded.add(random_crop(28, 28, 4));
  message =
      error_message([&] { choose_image_pipeline("image_pipeline", "gpu", Device::cuda, padded); });
  EXPECT_NE(message.find("config key 'image_pipeline' = gpu cannot run random_crop(28x28, pad 4)"),
            std::string::npos)
      << message;
  message = error_message(
      [] { choose_image_pipeline("image_pipeline", "fast", Device::cuda, crop_and_flip()); });
  EXPECT_NE(message.find("config key 'image_pipeline': cpu, gpu or auto, not 'fast'"),
            std::string::npos)
      << message;
}

TEST(DataImageStage, AListAtItsOwnSizeHandsOutItsJpegFiles) {
  test::ScratchFolder folder;
  Image image(ImageSize{30, 40, 3});
  for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<uint8_t>(i % 251);
  write_jpeg(folder.file("a.jpg"), image);
  write_png(folder.file("b.png"), image);
  test::write_text(folder.file("list.txt"), "a.jpg 0\nb.png 1\n");
  ImageListOptions options;
  auto own_size = ImageListDataset::from_list(folder.path("list.txt"), options);
  const EncodedImage jpeg = own_size->encoded(0);
  EXPECT_EQ(jpeg.path, folder.path("a.jpg"));
  EXPECT_EQ(jpeg.bytes, test::read_bytes(folder.path("a.jpg")));
  EXPECT_TRUE(looks_like_jpeg(jpeg.bytes));
  EXPECT_EQ(encoded_image_size(jpeg.bytes, 3, jpeg.path), (ImageSize{30, 40, 3}));
  EXPECT_FALSE(looks_like_jpeg(own_size->encoded(1).bytes));
  EXPECT_EQ(encoded_image_size(own_size->encoded(1).bytes, 1, "b.png"), (ImageSize{30, 40, 1}));
  // Resized to a fixed size, the images are not their files any more.
  options.height = options.width = 8;
  auto resized = ImageListDataset::from_list(folder.path("list.txt"), options);
  EXPECT_TRUE(resized->encoded(0).bytes.empty());
  const std::vector<uint8_t> garbage{0xFF, 0xD8, 0xFF, 0x00, 0x13};
  const std::string message =
      error_message([&] { encoded_image_size(garbage, 3, folder.path("bad.jpg")); });
  EXPECT_NE(message.find("cannot decode image '" + folder.path("bad.jpg") + "'"), std::string::npos)
      << message;
}

}  // namespace
}  // namespace hg::data
