// decode_jpegs: the checks of tensor/jpeg_batch_decode.h, then nvJPEG.
#include "tensor/jpeg_batch_decode.h"

#include <memory>

#include "core/profiler.h"
#include "cuda/jpeg_batch_decoder.h"

namespace hg::ops {

bool gpu_jpeg_decoding_available() { return cuda::nvjpeg_available(); }

std::vector<bool> decode_jpegs(const std::vector<EncodedJpeg>& jpegs, int channels,
                               const Tensor& pixels) {
  check_defined(pixels, "decode_jpegs");
  HG_CHECK(pixels.is_cuda() && pixels.dtype() == DType::u8 && pixels.is_contiguous(),
           "decode_jpegs: pixels must be contiguous u8 on the GPU, got ", pixels.description());
  HG_CHECK(channels == 1 || channels == 3, "decode_jpegs: 1 or 3 channels, not ", channels);
  std::vector<cuda::JpegToDecode> work;
  for (size_t i = 0; i < jpegs.size(); ++i) {
    const EncodedJpeg& jpeg = jpegs[i];
    const int64_t bytes = int64_t{jpeg.height} * jpeg.width * channels;
    HG_CHECK(jpeg.bytes != nullptr && bytes > 0 && jpeg.offset >= 0 &&
                 jpeg.offset + bytes <= pixels.numel(),
             "decode_jpegs: JPEG ", i, " (", jpeg.height, "x", jpeg.width, " at byte ", jpeg.offset,
             ") does not fit in the ", pixels.numel(), " bytes of pixels");
    work.push_back({jpeg.bytes->data(), jpeg.bytes->size(), jpeg.height, jpeg.width,
                    pixels.data<uint8_t>() + jpeg.offset});
  }
  // std::vector<bool> packs its bits: the flags go through a plain array.
  std::unique_ptr<bool[]> decoded(new bool[jpegs.size() + 1]());
  if (!work.empty()) {
    profiler::Scope scope("decode_jpegs", true);
    cuda::decode_jpegs(work.data(), static_cast<int>(work.size()), channels, decoded.get(),
                       cuda::current_stream());
  }
  return std::vector<bool>(decoded.get(), decoded.get() + jpegs.size());
}

}  // namespace hg::ops
