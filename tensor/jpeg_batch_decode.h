// decode_jpegs: nvJPEG's batched decoding (cuda/jpeg_batch_decoder.h) into a u8 tensor on the
// GPU, for the loader's GPU image pipeline (data/image_stage.h). There is no CPU twin: on the
// CPU the loader decodes with libjpeg-turbo or stb_image (data/image_io.h).
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace hg::ops {

// Whether this build decodes JPEGs on the GPU (CUDA with nvJPEG).
bool gpu_jpeg_decoding_available();

struct EncodedJpeg {
  const std::vector<uint8_t>* bytes = nullptr;  // the file
  int height = 0, width = 0;                    // its header's size
  int64_t offset = 0;                           // where its pixels go in the output tensor
};

// Decodes each JPEG into `pixels` (u8, contiguous, on the GPU) at its offset, HWC with
// `channels` channels; element i of the result says whether JPEG i was decoded (those that were
// not are left for the CPU decoder). Throws when a JPEG's pixels would not fit in `pixels`.
std::vector<bool> decode_jpegs(const std::vector<EncodedJpeg>& jpegs, int channels,
                               const Tensor& pixels);

}  // namespace hg::ops
