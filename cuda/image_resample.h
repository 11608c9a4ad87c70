// CUDA launcher of the GPU augmentation: a batch of u8 HWC images of varying sizes, already on
// the device, resampled (crop, bilinear resize, flip: core/image_sampling.h) and normalized to
// f32 NCHW in one pass (a stub that throws in a CPU-only build: cuda/without_cuda/). CPU twin:
// tensor/cpu/image_resample.h; the CPU transforms (data/transforms.h) are the reference both
// are tested against.
#pragma once

#include <cstdint>

#include "core/image_sampling.h"
#include "cuda/stream.h"

namespace hg::cuda {

struct ResampleBatch {
  const uint8_t* pixels = nullptr;           // device: every image's bytes
  const ImageSampling* samplings = nullptr;  // host: one per image, offsets into `pixels`
  int count = 0;                             // images
  int channels = 0, height = 0, width = 0;   // of the output
  const float* scale = nullptr;              // host: one per channel
  const float* shift = nullptr;              // host: one per channel
};

// out[n, c, y, x] = sampled_byte(image n, y, x, c)·scale[c] + shift[c]  (device, contiguous).
void resample_images(const ResampleBatch& batch, float* out, Stream stream);

}  // namespace hg::cuda
