// The GPU image stage (see image_stage.h): JPEG files read or other images decoded in the
// worker threads, crop boxes and flips drawn there; decoding (nvJPEG) and augmentation on the
// GPU when the batch is taken.
#include <algorithm>

#include "data/image_io.h"
#include "data/image_stage.h"
#include "tensor/image_resample.h"
#include "tensor/jpeg_batch_decode.h"

namespace hg::data {

namespace {

class GpuImageStage : public ImageStage {
 public:
  GpuImageStage(std::shared_ptr<const Dataset> dataset, const Pipeline& pipeline, ImageSize output,
                size_t slots, int64_t batch_size)
      : dataset_(std::move(dataset)),
        pipeline_(pipeline),
        output_(output),
        affine_(channel_affine(pipeline.normalization(), output.channels)),
        nvjpeg_(ops::gpu_jpeg_decoding_available()),
        slots_(slots, std::vector<Item>(static_cast<size_t>(batch_size))) {}

  size_t host_floats_per_item() const override { return 0; }
  void prepare(size_t slot, int64_t k, int64_t index, Random& random, float*) override;
  Tensor images(size_t slot, int64_t count, StagingBuffer&) override;

 private:
  // An item between its worker thread and the GPU: a JPEG file for nvJPEG, or pixels decoded
  // on the CPU, with its sampling. A slot's items live until the slot is refilled, after the
  // GPU has finished the batch, so nvJPEG may read the files asynchronously.
  struct Item {
    EncodedImage jpeg;
    Image decoded;
    ImageSampling sampling;
  };
  // Copies the pixels of the JPEGs nvJPEG declined, decoded on the CPU, into `pixels`.
  void decode_declined(const std::vector<Item*>& jpeg_items,
                       const std::vector<ops::EncodedJpeg>& jpegs, const Tensor& pixels) const;

  std::shared_ptr<const Dataset> dataset_;
  Pipeline pipeline_;
  ImageSize output_;
  ChannelAffine affine_;
  bool nvjpeg_;
  std::vector<std::vector<Item>> slots_;  // [slot][entry of the batch]
};

void GpuImageStage::prepare(size_t slot, int64_t k, int64_t index, Random& random, float*) {
  Item& item = slots_[slot][static_cast<size_t>(k)];
  item = Item();
  ImageSize size;
  if (nvjpeg_) {
    EncodedImage file = dataset_->encoded(index);
    if (looks_like_jpeg(file.bytes)) {
      try {
        size = encoded_image_size(file.bytes, output_.channels, file.path);
        item.jpeg = std::move(file);
      } catch (const Error&) {
        // A header stb_image refuses: the CPU decoders below decide (libjpeg-turbo reads some
        // that stb_image does not), and report what none of them reads.
      }
    }
  }
  if (item.jpeg.bytes.empty()) {
    item.decoded = dataset_->image(index);
    size = item.decoded.size;
  }
  const SamplingPlan plan = pipeline_.plan(size, random);
  check_stage_output(*dataset_, index, plan.size, output_);
  item.sampling = plan.sampling;
}

Tensor GpuImageStage::images(size_t slot, int64_t count, StagingBuffer&) {
  // The images decoded on the CPU first, in one upload; the JPEGs after them.
  std::vector<ImageSampling> samplings;
  std::vector<uint8_t> decoded;
  std::vector<Item*> jpeg_items;
  for (int64_t k = 0; k < count; ++k) {
    Item& item = slots_[slot][static_cast<size_t>(k)];
    if (!item.jpeg.bytes.empty()) {
      jpeg_items.push_back(&item);
      continue;
    }
    item.sampling.source_offset = static_cast<int64_t>(decoded.size());
    decoded.insert(decoded.end(), item.decoded.pixels.begin(), item.decoded.pixels.end());
  }
  int64_t total = static_cast<int64_t>(decoded.size());
  std::vector<ops::EncodedJpeg> jpegs;
  for (Item* item : jpeg_items) {
    item->sampling.source_offset = total;
    jpegs.push_back({&item->jpeg.bytes, item->sampling.height, item->sampling.width, total});
    total += int64_t{item->sampling.height} * item->sampling.width * output_.channels;
  }
  Tensor pixels = Tensor::empty({std::max<int64_t>(total, 1)}, DType::u8, Device::cuda);
  if (!decoded.empty())
    copy_bytes(pixels.raw_data(), Device::cuda, decoded.data(), Device::cpu, decoded.size());
  decode_declined(jpeg_items, jpegs, pixels);
  for (int64_t k = 0; k < count; ++k) samplings.push_back(slots_[slot][k].sampling);
  return ops::resample_images(pixels, samplings, output_.channels, output_.height, output_.width,
                              affine_.scale, affine_.shift);
}

void GpuImageStage::decode_declined(const std::vector<Item*>& jpeg_items,
                                    const std::vector<ops::EncodedJpeg>& jpegs,
                                    const Tensor& pixels) const {
  if (jpegs.empty()) return;
  const std::vector<bool> done = ops::decode_jpegs(jpegs, output_.channels, pixels);
  for (size_t j = 0; j < jpegs.size(); ++j) {
    if (done[j]) continue;
    const std::string& path = jpeg_items[j]->jpeg.path;
    const Image image = decode_image(path, output_.channels);
    HG_CHECK(image.size.height == jpegs[j].height && image.size.width == jpegs[j].width, "image '",
             path, "' decodes to ", size_string(image.size), " but its header says ",
             jpegs[j].height, "x", jpegs[j].width);
    copy_bytes(static_cast<uint8_t*>(pixels.raw_data()) + jpegs[j].offset, Device::cuda,
               image.pixels.data(), Device::cpu, image.pixels.size());
  }
}

}  // namespace

std::unique_ptr<ImageStage> make_gpu_image_stage(std::shared_ptr<const Dataset> dataset,
                                                 const Pipeline& pipeline, ImageSize output,
                                                 size_t slots, int64_t batch_size) {
  return std::make_unique<GpuImageStage>(std::move(dataset), pipeline, output, slots, batch_size);
}

}  // namespace hg::data
