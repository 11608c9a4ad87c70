// Image files: decoding JPEG, PNG and BMP (and the other formats stb_image reads) to 8-bit HWC
// images, and writing PNG and JPEG (tests and benchmarks make their own image folders).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace hg::data {

// Decodes `path` with `channels` channels (1: grey, 3: RGB); grey is replicated to RGB, RGB
// becomes luma, an alpha channel is dropped. With reducible_to > 0 a JPEG may come out smaller
// than stored, its shorter side no less than reducible_to (see jpeg_decoder.h). Throws naming
// the file when it cannot be read or is not a valid image.
Image decode_image(const std::string& path, int channels, int reducible_to = 0);

// The whole of the file `path` (stb_image reads at most INT_MAX bytes); throws naming it when it
// cannot be read.
std::vector<uint8_t> read_image_file(const std::string& path);

// Whether `bytes` start as a JPEG does (FF D8 FF).
bool looks_like_jpeg(const std::vector<uint8_t>& bytes);

// The size an image file's header declares, decoded with `channels` channels; throws naming
// `path` when the header is unreadable or declares too many pixels (check_image_dimensions).
ImageSize encoded_image_size(const std::vector<uint8_t>& bytes, int channels,
                             const std::string& path);

// The largest image a decoder accepts: 2^26 pixels (8192 x 8192, 192 MiB as RGB; a 50-megapixel
// photo fits). A header declaring more (a 60000 x 60000 image is a 100-byte file) is refused
// before any pixel memory is allocated.
inline constexpr int64_t kMostImagePixels = int64_t{1} << 26;
// Throws naming `path` when a header's width x height is not positive or exceeds
// kMostImagePixels; every decoder calls it with the header's dimensions before decoding.
void check_image_dimensions(const std::string& path, int64_t width, int64_t height);

// Write `image` (1 or 3 channels) as PNG, or as baseline JPEG at `quality` (1–100).
void write_png(const std::string& path, const Image& image);
void write_jpeg(const std::string& path, const Image& image, int quality = 95);

// The bytes of a PNG file of `image` (1 or 3 channels), for embedding (gallery.html data URIs).
std::vector<uint8_t> encode_png(const Image& image);

}  // namespace hg::data
