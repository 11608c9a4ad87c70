// JPEG decoding through libjpeg-turbo (data/jpeg_decoder.h) against stb_image on the same files:
// full-size pixels within the two decoders' rounding (mean |difference| < 1, every byte within
// 6: their chroma upsampling and IDCT round differently), and the DCT-domain reduction: the
// chosen scale is the smallest that keeps the shorter side at least the target, and the reduced
// image is close to the full decode resized to its size. In a build without libjpeg-turbo the
// decoder must decline every file and decode_image give stb_image's full-size pixels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <optional>

#include <stb/stb_image.h>

#include "data/image_io.h"
#include "data/jpeg_decoder.h"
#include "data/transforms.h"
#include "tests/data_test_files.h"

namespace hg::data {
namespace {

// A photograph-like image: smooth colour gradients, an edge, and (when `textured`) an 8-pixel
// checkerboard in blue.
Image scene(int height, int width, bool textured = true) {
  Image image(ImageSize{height, width, 3});
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      uint8_t* pixel = image.at(y, x);
      const bool inside = (x - width / 3) * (x - width / 3) + (y - height / 2) * (y - height / 2) <
                          (height / 4) * (height / 4);
      pixel[0] = static_cast<uint8_t>(inside ? 230 : 60 + 120 * x / width);
      pixel[1] = static_cast<uint8_t>(100 + 80 * std::sin(0.05 * x + 0.03 * y));
      pixel[2] =
          static_cast<uint8_t>((textured && (x / 8 + y / 8) % 2) ? 180 : 40 + y * 100 / height);
    }
  return image;
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Image stb_decode(const std::vector<uint8_t>& bytes, int channels) {
  int width = 0, height = 0, in_file = 0;
  stbi_uc* pixels = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &width,
                                          &height, &in_file, channels);
  EXPECT_NE(pixels, nullptr);
  Image image(ImageSize{height, width, channels});
  std::copy(pixels, pixels + image.pixels.size(), image.pixels.begin());
  stbi_image_free(pixels);
  return image;
}

struct Gap {
  double mean = 0;
  int largest = 0;
};
Gap gap(const Image& a, const Image& b) {
  EXPECT_EQ(size_string(a.size), size_string(b.size));
  Gap result;
  if (!(a.size == b.size)) return {255, 255};
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    int difference = std::abs(int{a.pixels[i]} - int{b.pixels[i]});
    result.mean += difference;
    result.largest = std::max(result.largest, difference);
  }
  result.mean /= a.pixels.size();
  return result;
}

TEST(DataJpegDecoder, FullSizePixelsAgreeWithStbImage) {
  test::ScratchFolder folder;
  const std::string path = folder.file("scene.jpg");
  write_jpeg(path, scene(150, 200), 90);
  const std::vector<uint8_t> bytes = file_bytes(path);
  for (int channels : {3, 1}) {
    Image ours = decode_image(path, channels);
    Image reference = stb_decode(bytes, channels);
    Gap difference = gap(ours, reference);
    if (!jpeg_turbo_available()) {
      EXPECT_EQ(ours.pixels, reference.pixels);
      EXPECT_FALSE(decode_jpeg(bytes, channels, 0, path).has_value());
      continue;
    }
    ASSERT_TRUE(decode_jpeg(bytes, channels, 0, path).has_value());
    EXPECT_LT(difference.mean, 1.0) << channels << " channel(s)";
    EXPECT_LE(difference.largest, 6) << channels << " channel(s)";
    std::printf("%d channel(s): libjpeg-turbo vs stb_image mean |difference| %.3f, largest %d\n",
                channels, difference.mean, difference.largest);
  }
  // Not a JPEG: declined, whatever the build.
  write_png(folder.file("scene.png"), scene(8, 8));
  EXPECT_FALSE(decode_jpeg(file_bytes(folder.path("scene.png")), 3, 0, "scene.png").has_value());
}

TEST(DataJpegDecoder, DeclinesFilesWithoutAnImageAndDecodesTheNextOne) {
  // Cut from a valid file: a frame header and no scan, on which libjpeg-turbo's header call fails
  // ("missing SOS marker") and left its handle so that the next header call succeeded without
  // reading the next file; and quantization tables alone, on which it succeeds without a size.
  // Both were refused as declaring 0x0 pixels.
  test::ScratchFolder folder;
  const std::string valid_path = folder.file("scene.jpg");
  write_jpeg(valid_path, scene(30, 40), 90);
  const std::vector<uint8_t> valid = file_bytes(valid_path);
  const auto find = [&](uint8_t marker) {
    const uint8_t code[] = {0xFF, marker};
    return std::search(valid.begin(), valid.end(), code, code + 2);
  };
  const std::vector<uint8_t> end_of_image = {0xFF, 0xD9};
  std::vector<uint8_t> frame_only(valid.begin(), find(0xDA));
  std::vector<uint8_t> tables_only(valid.begin(), valid.begin() + 2);  // start of image
  tables_only.insert(tables_only.end(), find(0xDB), find(0xC0));
  for (std::vector<uint8_t>* cut : {&frame_only, &tables_only})
    cut->insert(cut->end(), end_of_image.begin(), end_of_image.end());
  for (const std::vector<uint8_t>& corrupt : {frame_only, tables_only, frame_only}) {
    EXPECT_FALSE(decode_jpeg(corrupt, 3, 0, "corrupt.jpg").has_value());
    std::optional<Image> decoded = decode_jpeg(valid, 3, 0, valid_path);
    ASSERT_EQ(decoded.has_value(), jpeg_turbo_available());
    if (decoded) {
      EXPECT_EQ(decoded->size, (ImageSize{30, 40, 3}));
    }
  }
}

TEST(DataJpegDecoder, ShrinksInTheDctDomainNoFurtherThanTheTarget) {
  if (!jpeg_turbo_available()) {
    EXPECT_EQ(jpeg_decoded_size(375, 500, 3, 224), (ImageSize{375, 500, 3}));
    return;
  }
  // The scales 1/2, 1/4, 1/8: a 500 × 375 image for a 224 target stays whole (1/2 gives
  // 188 < 224 rows; 5/8 would fit but decodes slower than the full size), for 150 it is halved
  // to 250 × 188 (⌈500/2⌉, ⌈375/2⌉); a 1000 × 750 image for 224 is halved too.
  EXPECT_EQ(jpeg_decoded_size(375, 500, 3, 224), (ImageSize{375, 500, 3}));
  EXPECT_EQ(jpeg_decoded_size(375, 500, 3, 150), (ImageSize{188, 250, 3}));
  EXPECT_EQ(jpeg_decoded_size(750, 1000, 3, 224), (ImageSize{375, 500, 3}));
  EXPECT_EQ(jpeg_decoded_size(375, 500, 3, 90), (ImageSize{94, 125, 3}));    // 1/4
  EXPECT_EQ(jpeg_decoded_size(375, 500, 3, 40), (ImageSize{47, 63, 3}));     // 1/8
  EXPECT_EQ(jpeg_decoded_size(375, 500, 3, 0), (ImageSize{375, 500, 3}));    // full size
  EXPECT_EQ(jpeg_decoded_size(200, 100, 1, 100), (ImageSize{200, 100, 1}));  // no room

  test::ScratchFolder folder;
  const std::string path = folder.file("scene.jpg");
  // Smooth: a resize without antialiasing aliases texture that the DCT-domain reduction averages.
  write_jpeg(path, scene(375, 500, false), 90);
  Image reduced = decode_image(path, 3, 150);
  ASSERT_EQ(reduced.size, (ImageSize{188, 250, 3}));
  Image full = decode_image(path, 3);
  Gap difference = gap(reduced, resize_bilinear(full, 188, 250));
  // Both are half-size renderings of the same picture: they differ at its edge only.
  EXPECT_LT(difference.mean, 2.0);
  std::printf("1/2 DCT-domain decode vs full decode resized: mean |difference| %.3f\n",
              difference.mean);
}

}  // namespace
}  // namespace hg::data
