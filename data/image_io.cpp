// Decoding and writing image files: JPEGs through libjpeg-turbo where the build has it
// (data/jpeg_decoder.h), everything else, and every JPEG it declines, through stb_image; writing
// through stb_image_write (their implementations are compiled in data/stb_implementation.cpp).
#include "data/image_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include "data/jpeg_decoder.h"

namespace hg::data {

namespace {

void check_channels(int channels, const char* what) {
  HG_CHECK(channels == 1 || channels == 3, what, ": images have 1 (grey) or 3 (RGB) channels, not ",
           channels);
}

// Closes the FILE* when the decode returns or throws.
struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

// stb_image grows its buffer for a PNG's compressed data to the length each IDAT chunk claims
// before it reads the chunk: a 94-byte file claiming chunks of up to 1 GiB made it allocate that
// much (found by image_png_fuzzer). Every chunk's length is checked against the file first.
void check_png_chunks(std::FILE* file, const std::string& path) {
  constexpr unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  unsigned char bytes[8];
  const bool png = std::fread(bytes, 1, 8, file) == 8 && std::memcmp(bytes, kSignature, 8) == 0;
  if (png && std::fseek(file, 0, SEEK_END) == 0) {
    const long size = std::ftell(file);
    for (long at = 8; at + 8 <= size;) {
      if (std::fseek(file, at, SEEK_SET) != 0 || std::fread(bytes, 1, 8, file) != 8) break;
      const long length =
          (long{bytes[0]} << 24) | (long{bytes[1]} << 16) | (long{bytes[2]} << 8) | long{bytes[3]};
      HG_CHECK(length <= size - at - 12, "cannot decode image '", path, "': a PNG chunk claims ",
               length, " bytes, more than the file holds (corrupt, or made to exhaust memory)");
      at += 12 + length;
    }
  }
  std::rewind(file);
}

// The whole of `file` when it is a JPEG and libjpeg-turbo can decode it, else nothing; the file
// is back at its start either way.
std::vector<uint8_t> jpeg_bytes(std::FILE* file) {
  std::vector<uint8_t> bytes;
  unsigned char magic[3] = {0, 0, 0};
  const bool jpeg = jpeg_turbo_available() && std::fread(magic, 1, 3, file) == 3 &&
                    magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF;
  if (jpeg && std::fseek(file, 0, SEEK_END) == 0) {
    const long size = std::ftell(file);
    if (size > 0 && std::fseek(file, 0, SEEK_SET) == 0) {
      bytes.resize(static_cast<size_t>(size));
      bytes.resize(std::fread(bytes.data(), 1, bytes.size(), file));
    }
  }
  std::rewind(file);
  return bytes;
}

}  // namespace

void check_image_dimensions(const std::string& path, int64_t width, int64_t height) {
  HG_CHECK(width > 0 && height > 0 && width * height <= kMostImagePixels, "image '", path,
           "' declares ", width, "x", height, " pixels, more than the ", kMostImagePixels,
           " hashgrad decodes (corrupt, or made to exhaust memory)");
}

Image decode_image(const std::string& path, int channels, int reducible_to) {
  check_channels(channels, "decode_image");
  errno = 0;
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  HG_CHECK(file != nullptr, "cannot open image '", path,
           "': ", errno != 0 ? std::strerror(errno) : "unknown error");
  check_png_chunks(file.get(), path);
  int width = 0, height = 0, channels_in_file = 0;
  // stbi_info reads the header alone (JPEG's too, before libjpeg-turbo sees the file) and puts
  // the file back where it was.
  if (stbi_info_from_file(file.get(), &width, &height, &channels_in_file) != 0)
    check_image_dimensions(path, width, height);
  std::vector<uint8_t> jpeg = jpeg_bytes(file.get());
  if (!jpeg.empty())
    if (std::optional<Image> decoded = decode_jpeg(jpeg, channels, reducible_to))
      return std::move(*decoded);
  std::unique_ptr<stbi_uc, decltype(&stbi_image_free)> decoded(
      stbi_load_from_file(file.get(), &width, &height, &channels_in_file, channels),
      &stbi_image_free);
  HG_CHECK(decoded != nullptr, "cannot decode image '", path, "': ", stbi_failure_reason(),
           " (corrupt, or not a JPEG, PNG or BMP file)");
  Image image(ImageSize{height, width, channels});
  std::memcpy(image.pixels.data(), decoded.get(), image.pixels.size());
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
