// resample_images: the GPU augmentation's op (cuda/image_resample.h) on tensors, dispatched to
// the CUDA kernel or its CPU twin (tensor/cpu/image_resample.h) by the pixels' device. The data
// loader's GPU image pipeline calls it with the samplings data/transforms.h's Pipeline::plan draws.
#pragma once

#include <vector>

#include "core/image_sampling.h"
#include "tensor/tensor.h"

namespace hg::ops {

// pixels: u8, contiguous, every image's HWC bytes (ImageSampling::source_offset into them).
// Returns f32 [samplings.size(), channels, height, width] on the pixels' device:
//   out[n, c, y, x] = sampled_byte(image n, y, x, c)·scale[c] + shift[c].
// Throws when a sampling reads outside its image or its image outside `pixels`.
Tensor resample_images(const Tensor& pixels, const std::vector<ImageSampling>& samplings,
                       int channels, int height, int width, const std::vector<float>& scale,
                       const std::vector<float>& shift);

}  // namespace hg::ops
