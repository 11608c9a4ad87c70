// CPU twin of cuda/image_resample.h: the same per-pixel formula (core/image_sampling.h), one
// image per OpenMP iteration.
#pragma once

#include <cstdint>

#include "cuda/image_resample.h"

namespace hg::cpu {

inline void resample_images(const cuda::ResampleBatch& batch, float* out) {
  const int64_t plane = int64_t{batch.height} * batch.width;
#pragma omp parallel for
  for (int n = 0; n < batch.count; ++n) {
    const ImageSampling& sampling = batch.samplings[n];
    const uint8_t* pixels = batch.pixels + sampling.source_offset;
    for (int c = 0; c < batch.channels; ++c) {
      float* out_plane = out + (int64_t{n} * batch.channels + c) * plane;
      for (int y = 0; y < batch.height; ++y)
        for (int x = 0; x < batch.width; ++x)
          out_plane[int64_t{y} * batch.width + x] =
              sampled_byte(pixels, sampling, batch.channels, batch.width, y, x, c) *
                  batch.scale[c] +
              batch.shift[c];
    }
  }
}

}  // namespace hg::cpu
