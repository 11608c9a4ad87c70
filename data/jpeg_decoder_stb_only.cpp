// The JPEG decoder of builds without libjpeg-turbo (see jpeg_decoder.h): it declines every file,
// and stb_image decodes JPEGs at full size.
#include "data/jpeg_decoder.h"

namespace hg::data {

bool jpeg_turbo_available() { return false; }

ImageSize jpeg_decoded_size(int height, int width, int channels, int) {
  return {height, width, channels};
}

std::optional<Image> decode_jpeg(const std::vector<uint8_t>&, int, int, const std::string&) {
  return std::nullopt;
}

}  // namespace hg::data
