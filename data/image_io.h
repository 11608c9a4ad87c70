// Image files: decoding JPEG, PNG and BMP (and the other formats stb_image reads) to 8-bit HWC
// images, and writing PNG and JPEG (tests and benchmarks make their own image folders).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace hg::data {

// Decodes `path` with `channels` channels (1: grey, 3: RGB). stb_image converts between them
// (grey is replicated to RGB; RGB becomes luma (77 R + 150 G + 29 B) / 256); an alpha channel is
// dropped. Throws naming the file when it cannot be read or is not a valid image.
Image decode_image(const std::string& path, int channels);

// Write `image` (1 or 3 channels) as PNG, or as baseline JPEG at `quality` (1–100).
void write_png(const std::string& path, const Image& image);
void write_jpeg(const std::string& path, const Image& image, int quality = 95);

// The bytes of a PNG file of `image` (1 or 3 channels), for embedding (gallery.html data URIs).
std::vector<uint8_t> encode_png(const Image& image);

}  // namespace hg::data
