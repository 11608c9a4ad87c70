// JPEG decoding on the GPU with nvJPEG (the CUDA Toolkit's), where the build found it
// (HASHGRAD_NVJPEG, cuda/CMakeLists.txt): a batch of JPEG files, in host memory, decoded straight
// into device memory at their full size, HWC. The loader's GPU image pipeline decodes its
// batches with it (data/image_stage.h); every image it declines is decoded on the CPU instead.
// Builds without nvJPEG compile cuda/without_nvjpeg/ (CUDA) or cuda/without_cuda/ (CPU-only),
// where nothing is available and decode_jpegs throws.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cuda/stream.h"

namespace hg::cuda {

// Whether this build decodes JPEGs with nvJPEG.
bool nvjpeg_available();

struct JpegToDecode {
  const uint8_t* bytes = nullptr;  // host: the whole file
  size_t size = 0;
  int height = 0, width = 0;  // what its header declares, as the caller read it
  uint8_t* out = nullptr;     // device: height · width · channels bytes
};

// Decodes each JPEG with `channels` channels (3: interleaved RGB; 1: the luma plane) into its
// `out`, queued on `stream`. decoded[i] says whether image i was decoded: false when nvJPEG
// cannot read its header, finds another size than the caller's, or fails to decode it (the
// caller decodes it on the CPU). Throws only when nvJPEG cannot start.
void decode_jpegs(const JpegToDecode* jpegs, int count, int channels, bool* decoded, Stream stream);

}  // namespace hg::cuda
