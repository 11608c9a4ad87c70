// JPEG decoding with libjpeg-turbo, where the build found it (HASHGRAD_JPEG_TURBO, CMake option
// auto | ON | OFF): its SIMD inverse DCT and colour conversion decode several times faster than
// stb_image, and it can shrink an image while decoding it. A JPEG stores 8 × 8 blocks of DCT
// coefficients; an inverse DCT of only their k × k lowest frequencies gives a k × k block, so an
// image comes out at k/8 of its size (libjpeg's scaled IDCT, k = 1..16) for less work than a full
// decode and a resize. The loader asks for the largest reduction among 1/2, 1/4 and 1/8 (the
// scales libjpeg-turbo decodes faster than the full size) that keeps the image's shorter side
// at least the size its transforms need (Pipeline::reducible_to).
//
// Built without libjpeg-turbo (data/jpeg_decoder_stb_only.cpp), decode_jpeg declines every file
// and stb_image decodes JPEGs at full size, as it does PNG and BMP in every build.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace hg::data {

// Whether this build decodes JPEGs with libjpeg-turbo.
bool jpeg_turbo_available();

// The size of a width × height JPEG decoded at the smallest of the scales 1/2, 1/4, 1/8 (each
// side ⌈side / denom⌉, TJSCALED) whose shorter side is still ≥ reducible_to; the stored size when reducible_to is 0 or no reduction keeps it. Without
// libjpeg-turbo, the stored size.
ImageSize jpeg_decoded_size(int height, int width, int channels, int reducible_to);

// Decodes the JPEG `bytes`, the file `path`, with `channels` channels (1: grey, the luma plane;
// 3: RGB) at jpeg_decoded_size. std::nullopt when the bytes are not a JPEG, when libjpeg-turbo
// cannot decode them (the caller lets stb_image try, and report) or is absent. Throws naming
// `path` when the header declares more pixels than check_image_dimensions allows, before any
// pixel memory is allocated.
std::optional<Image> decode_jpeg(const std::vector<uint8_t>& bytes, int channels, int reducible_to,
                                 const std::string& path);

}  // namespace hg::data
