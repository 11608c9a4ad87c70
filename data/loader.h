// The data loader: worker threads that decode, augment and batch ahead of the training loop.
//
// Each epoch visits the dataset in a seeded shuffled order (or in order), cut into batches.
// Worker threads claim batches in order and fill a ring of prefetch slots in host memory —
// page-locked when the batches go to the GPU — with the labels, the class ids and, through the
// image stage (data/image_stage.h), the images: the transformed, normalized images (f32 NCHW)
// of the CPU image pipeline, or what the GPU image pipeline decodes and augments on the GPU.
// next() hands out batch b once its slot is full; for a CUDA loader it queues cudaMemcpyAsync
// copies from the slot on hashgrad's stream and returns at once, so the copies overlap with the
// GPU's work and the GPU does not wait for data. A worker refills a slot only after the GPU has
// finished with it (a CUDA event).
//
// Reproducible: the order of epoch e is a shuffle seeded by derive_seed(seed, e), and the
// augmentation of item i in epoch e draws from derive_seed(derive_seed(seed, e), i), so the
// batches are the same with any number of workers.
#pragma once

#include <memory>
#include <vector>

#include "data/dataset.h"
#include "data/image_stage.h"
#include "data/transforms.h"

namespace hg::data {

struct LoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = true;
  bool drop_last = false;  // drop a last batch smaller than batch_size
  int workers = 2;         // threads decoding and augmenting
  int prefetch = 4;        // batches ready or in progress ahead of the consumer (≥ workers)
  uint64_t seed = 0;
  Device device = Device::cpu;  // where next() puts the batch tensors
  // Where images are decoded and augmented (choose_image_pipeline); gpu needs device cuda.
  ImagePipeline image_pipeline = ImagePipeline::cpu;
  // Data-parallel training (DESIGN §3b): this process loads share `share` of `shares` of every
  // batch (the batch's items split as distributed::share_begin splits them), the same batches
  // in the same order on every rank.
  int share = 0, shares = 1;
};

struct Batch {
  Tensor images;                 // f32 [B, C, H, W], normalized
  Tensor labels;                 // f32 [B, num_classes], the multi-hot label rows
  Tensor class_ids;              // i64 [B]; undefined for multi-label data
  std::vector<int64_t> indices;  // the dataset positions of the B items (host)
  int64_t batch_items = 0;       // items of the whole batch, every share together (B alone)
};

class Loader {
 public:
  Loader(std::shared_ptr<const Dataset> dataset, Pipeline pipeline, LoaderOptions options);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  int64_t batches_per_epoch() const;
  // The size of the images of a batch (after the pipeline).
  ImageSize output_size() const;

  // Starts epoch `epoch` (stopping what is left of the previous one).
  void start_epoch(int64_t epoch);
  // The next batch of the current epoch (epoch 0 when none was started); false when the epoch
  // is over. An error of a worker (an unreadable image) is rethrown here.
  bool next(Batch& batch);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace hg::data
