// JPEG decoding through libjpeg-turbo's TurboJPEG API (see jpeg_decoder.h). data/CMakeLists.txt
// compiles this file when it finds libjpeg-turbo, data/jpeg_decoder_stb_only.cpp otherwise.
#include <turbojpeg.h>

#include <memory>

#include "data/image_io.h"
#include "data/jpeg_decoder.h"

namespace hg::data {

namespace {

struct HandleCloser {
  void operator()(void* handle) const { tjDestroy(handle); }
};

// One decompressor per loader thread, made on its first JPEG: a handle is not thread-safe, and
// making one per image costs more than decoding a small one. A handle whose call failed is
// replaced: libjpeg-turbo 2.1 leaves it half-way through the bad file's header, and the next
// tjDecompressHeader3 on it returns success without reading the next file (width and height
// untouched), so a valid JPEG after a corrupt one was refused as declaring 0x0 pixels.
std::unique_ptr<void, HandleCloser>& thread_decompressor() {
  thread_local std::unique_ptr<void, HandleCloser> handle;
  if (handle == nullptr) handle.reset(tjInitDecompress());
  return handle;
}

}  // namespace

bool jpeg_turbo_available() { return true; }

ImageSize jpeg_decoded_size(int height, int width, int channels, int reducible_to) {
  ImageSize best{height, width, channels};
  if (reducible_to <= 0) return best;
  int count = 0;
  const tjscalingfactor* factors = tjGetScalingFactors(&count);
  for (int i = 0; factors != nullptr && i < count; ++i) {
    const tjscalingfactor& factor = factors[i];
    // Only 1/2, 1/4 and 1/8 (PIL's draft mode's choice too): libjpeg-turbo's 7/8, 3/4, 5/8 and
    // 3/8 IDCTs have no SIMD and decode slower than the full size does (a 500 × 375 JPEG:
    // 2.4 ms at 5/8 against 1.9 ms whole), while 1/2 and below are at least as fast.
    if (factor.num != 1) continue;
    const int scaled_height = TJSCALED(height, factor), scaled_width = TJSCALED(width, factor);
    if (std::min(scaled_height, scaled_width) >= reducible_to &&
        int64_t{scaled_height} * scaled_width < best.bytes() / channels)
      best = {scaled_height, scaled_width, channels};
  }
  return best;
}

std::optional<Image> decode_jpeg(const std::vector<uint8_t>& bytes, int channels, int reducible_to,
                                 const std::string& path) {
  if (!looks_like_jpeg(bytes)) return std::nullopt;
  std::unique_ptr<void, HandleCloser>& decompressor = thread_decompressor();
  tjhandle handle = decompressor.get();
  if (handle == nullptr) return std::nullopt;
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle, bytes.data(), static_cast<unsigned long>(bytes.size()), &width,
                          &height, &subsampling, &colorspace) != 0) {
    decompressor.reset();
    return std::nullopt;
  }
  // Success without a size: a stream of tables only, no image (stb_image's to refuse).
  if (width <= 0 || height <= 0 || colorspace == TJCS_CMYK || colorspace == TJCS_YCCK)
    return std::nullopt;
  check_image_dimensions(path, width, height);
  Image image(jpeg_decoded_size(height, width, channels, reducible_to));
  const int format = channels == 1 ? TJPF_GRAY : TJPF_RGB;
  const int status =
      tjDecompress2(handle, bytes.data(), static_cast<unsigned long>(bytes.size()),
                    image.pixels.data(), image.size.width, 0, image.size.height, format, 0);
  // A warning (a truncated file, extraneous bytes) still leaves a whole image, as stb_image
  // would give; an error leaves none.
  if (status != 0 && tjGetErrorCode(handle) != TJERR_WARNING) {
    decompressor.reset();
    return std::nullopt;
  }
  return image;
}

}  // namespace hg::data
