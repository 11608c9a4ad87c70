// Decoding and writing image files: JPEGs through libjpeg-turbo where the build has it
// (data/jpeg_decoder.h), everything else, and every JPEG it declines, through stb_image; writing
// through stb_image_write (their implementations are compiled in data/stb_implementation.cpp).
#include "data/image_io.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <memory>

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include "data/image_checks.h"
#include "data/jpeg_decoder.h"

namespace hg::data {

namespace {

void check_channels(int channels, const char* what) {
  HG_CHECK(channels == 1 || channels == 3, what, ": images have 1 (grey) or 3 (RGB) channels, not ",
           channels);
}

}  // namespace

std::vector<uint8_t> read_image_file(const std::string& path) {
  errno = 0;
  // Unbuffered: the file is read in one call into `bytes`, so the stream's own 8 KiB buffer would
  // only be allocated and freed for every image.
  std::ifstream file;
  file.rdbuf()->pubsetbuf(nullptr, 0);
  file.open(path, std::ios::binary | std::ios::ate);
  HG_CHECK(file.is_open(), "cannot open image '", path,
           "': ", errno != 0 ? std::strerror(errno) : "unknown error");
  const std::streamoff size = file.tellg();
  HG_CHECK(size <= INT_MAX, "image '", path, "' is ", size, " bytes, more than the ", INT_MAX,
           " hashgrad reads (not an image, or made to exhaust memory)");
  std::vector<uint8_t> bytes(static_cast<size_t>(std::max<std::streamoff>(size, 0)));
  file.seekg(0);
  HG_CHECK(
      file.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())),
      "cannot read image '", path, "'");
  return bytes;
}

bool looks_like_jpeg(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
}

ImageSize encoded_image_size(const std::vector<uint8_t>& bytes, int channels,
                             const std::string& path) {
  check_channels(channels, "encoded_image_size");
  // Before stb_image reads the header (stbi_info parses a JPEG's tables).
  check_image_for_stb(bytes, path);
  int width = 0, height = 0, channels_in_file = 0;
  HG_CHECK(
      bytes.size() <= INT_MAX && stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()),
                                                       &width, &height, &channels_in_file) != 0,
      "cannot decode image '", path, "': ", stbi_failure_reason(),
      " (corrupt, or not a JPEG, PNG or BMP file)");
  check_image_dimensions(path, width, height);
  return {height, width, channels};
}

void check_image_dimensions(const std::string& path, int64_t width, int64_t height) {
  HG_CHECK(width > 0 && height > 0 && width * height <= kMostImagePixels, "image '", path,
           "' declares ", width, "x", height, " pixels, more than the ", kMostImagePixels,
           " hashgrad decodes (corrupt, or made to exhaust memory)");
}

Image decode_image(const std::string& path, int channels, int reducible_to) {
  check_channels(channels, "decode_image");
  const std::vector<uint8_t> bytes = read_image_file(path);
  if (std::optional<Image> decoded = decode_jpeg(bytes, channels, reducible_to, path))
    return std::move(*decoded);
  // Before stb_image reads even the header (stbi_info parses a JPEG's tables).
  check_image_for_stb(bytes, path);
  const int size = static_cast<int>(bytes.size());
  int width = 0, height = 0, channels_in_file = 0;
  if (stbi_info_from_memory(bytes.data(), size, &width, &height, &channels_in_file) != 0)
    check_image_dimensions(path, width, height);
  std::unique_ptr<stbi_uc, decltype(&stbi_image_free)> decoded(
      stbi_load_from_memory(bytes.data(), size, &width, &height, &channels_in_file, channels),
      &stbi_image_free);
  HG_CHECK(decoded != nullptr, "cannot decode image '", path, "': ", stbi_failure_reason(),
           " (corrupt, or not a JPEG, PNG or BMP file)");
  // Copied once from stb_image's buffer, not into zeros first (Image(size) fills its pixels).
  Image image;
  image.size = ImageSize{height, width, channels};
  image.pixels.assign(decoded.get(), decoded.get() + image.size.bytes());
  return image;
}

void write_png(const std::string& path, const Image& image) {
  check_channels(image.size.channels, "write_png");
  const ImageSize& size = image.size;
  HG_CHECK(stbi_write_png(path.c_str(), size.width, size.height, size.channels, image.pixels.data(),
                          size.width * size.channels) != 0,
           "cannot write PNG '", path, "'");
}

std::vector<uint8_t> encode_png(const Image& image) {
  check_channels(image.size.channels, "encode_png");
  const ImageSize& size = image.size;
  std::vector<uint8_t> bytes;
  auto append = [](void* context, void* data, int count) {
    auto* out = static_cast<std::vector<uint8_t>*>(context);
    out->insert(out->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + count);
  };
  HG_CHECK(stbi_write_png_to_func(append, &bytes, size.width, size.height, size.channels,
                                  image.pixels.data(), size.width * size.channels) != 0,
           "encode_png: cannot encode a ", size_string(size), " image");
  return bytes;
}

void write_jpeg(const std::string& path, const Image& image, int quality) {
  check_channels(image.size.channels, "write_jpeg");
  HG_CHECK(quality >= 1 && quality <= 100, "write_jpeg: quality ", quality, " is not in 1..100");
  const ImageSize& size = image.size;
  HG_CHECK(stbi_write_jpg(path.c_str(), size.width, size.height, size.channels, image.pixels.data(),
                          quality) != 0,
           "cannot write JPEG '", path, "'");
}

}  // namespace hg::data
