// Decoding image files: PNG and JPEG written with stb_image_write, a BMP assembled byte by byte
// here, the grey/RGB conversions, and the errors for missing, corrupt and cut-off files.
#include <gtest/gtest.h>

#include <cstdlib>

#include "data/image_io.h"
#include "tests/data_test_files.h"

namespace hg::data {
namespace {

using test::error_message;

// A 3×4 RGB image with pixel (y, x) = (40·y + 10·x, 200 − 30·x, 17·y).
Image pattern() {
  Image image(ImageSize{3, 4, 3});
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 4; ++x) {
      uint8_t* pixel = image.at(y, x);
      pixel[0] = static_cast<uint8_t>(40 * y + 10 * x);
      pixel[1] = static_cast<uint8_t>(200 - 30 * x);
      pixel[2] = static_cast<uint8_t>(17 * y);
    }
  return image;
}

TEST(DataImageIo, PngRoundTripsExactlyInRgbAndGrey) {
  test::ScratchFolder folder;
  std::string path = folder.file("pattern.png");
  write_png(path, pattern());
  Image decoded = decode_image(path, 3);
  EXPECT_EQ(decoded.size, (ImageSize{3, 4, 3}));
  EXPECT_EQ(decoded.pixels, pattern().pixels);
  // RGB read as grey: stb_image's luma (77 R + 150 G + 29 B) >> 8. Pixel (2, 3) is
  // (110, 110, 34): (8470 + 16500 + 986) >> 8 = 25956 >> 8 = 101.
  Image grey = decode_image(path, 1);
  EXPECT_EQ(grey.size, (ImageSize{3, 4, 1}));
  EXPECT_EQ(grey.at(2, 3)[0], 101);
  // Grey written, read as RGB: the value is replicated.
  write_png(path, grey);
  Image replicated = decode_image(path, 3);
  EXPECT_EQ(replicated.at(2, 3)[0], 101);
  EXPECT_EQ(replicated.at(2, 3)[1], 101);
  EXPECT_EQ(replicated.at(2, 3)[2], 101);
}

TEST(DataImageIo, JpegRoundTripsWithinCompressionError) {
  test::ScratchFolder folder;
  std::string path = folder.file("flat.jpg");
  // A flat colour survives JPEG almost exactly (only the DC terms are non-zero).
  Image flat(ImageSize{16, 16, 3});
  for (int p = 0; p < 256; ++p) {
    flat.pixels[3 * p] = 200;
    flat.pixels[3 * p + 1] = 100;
    flat.pixels[3 * p + 2] = 50;
  }
  write_jpeg(path, flat, 95);
  Image decoded = decode_image(path, 3);
  ASSERT_EQ(decoded.size, flat.size);
  for (size_t i = 0; i < flat.pixels.size(); ++i)
    EXPECT_NEAR(decoded.pixels[i], flat.pixels[i], 3) << "byte " << i;
}

TEST(DataImageIo, DecodesAHandMadeBmp) {
  // A 2×2 24-bit BMP: 54-byte header, rows bottom-up in BGR order, each padded to 4 bytes.
  std::vector<uint8_t> bmp = {'B', 'M', 70, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0,    // file header
                              40, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 24, 0,  // info header
                              0, 0, 0, 0, 16, 0, 0, 0, 0x13, 0x0B, 0, 0, 0x13, 0x0B, 0, 0, 0, 0, 0,
                              0, 0, 0, 0, 0,
                              // bottom row: (x=0) blue, (x=1) white, padding
                              255, 0, 0, 255, 255, 255, 0, 0,
                              // top row: (x=0) red, (x=1) green, padding
                              0, 0, 255, 0, 255, 0, 0, 0};
  test::ScratchFolder folder;
  std::string path = folder.file("tiny.bmp");
  test::write_bytes(path, bmp);
  Image image = decode_image(path, 3);
  ASSERT_EQ(image.size, (ImageSize{2, 2, 3}));
  EXPECT_EQ(image.pixels, (std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255}));
}

TEST(DataImageIo, ErrorsNameTheFileAndTheReason) {
  test::ScratchFolder folder;
  std::string missing = folder.file("missing.png");
  EXPECT_EQ(error_message([&] { decode_image(missing, 3); }),
            "cannot open image '" + missing + "': No such file or directory");
  std::string text = folder.file("notes.png");
  test::write_text(text, "this is not an image\n");
  EXPECT_EQ(error_message([&] { decode_image(text, 3); }),
            "cannot decode image '" + text +
                "': Image not of any known type, or corrupt (corrupt, or not a JPEG, PNG or BMP "
                "file)");
  // A PNG cut in half: the header parses, the pixel data does not.
  std::string cut = folder.file("cut.png");
  write_png(cut, pattern());
  std::vector<uint8_t> bytes = test::read_bytes(cut);
  test::write_bytes(cut, std::vector<uint8_t>(bytes.begin(), bytes.begin() + bytes.size() / 2));
  std::string message = error_message([&] { decode_image(cut, 3); });
  EXPECT_EQ(message.rfind("cannot decode image '" + cut + "': ", 0), 0u) << message;
  EXPECT_EQ(error_message([&] { decode_image(cut, 4); }),
            "decode_image: images have 1 (grey) or 3 (RGB) channels, not 4");
}

// stb_image is built with its JPEG, PNG and BMP decoders only (data/stb_implementation.cpp), the
// formats data/image_checks.h checks: valid files of its other formats are refused, by name.
TEST(DataImageIo, OtherFormatsThanJpegPngAndBmpAreRefused) {
  // A 1x1 GIF (the usual transparent pixel) and a 2x2 binary PGM, both of which stb_image's
  // full build decodes, named as a folder-per-class tree would pick them up.
  const std::vector<uint8_t> gif = {
      'G',  'I',  'F',  '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0,  // screen
      0xFF, 0xFF, 0xFF, 0,   0,   0,                            // palette: white, black
      '!',  0xF9, 4,    1,   0,   0,   0, 0,                    // transparency extension
      ',',  0,    0,    0,   0,   1,   0, 1, 0, 0,              // image descriptor
      2,    2,    'D',  1,   0,   ';'};                         // LZW data, trailer
  const std::string pgm_text = "P5\n2 2\n255\n\x10\x20\x30\x40";
  const std::vector<uint8_t> pgm(pgm_text.begin(), pgm_text.end());
  test::ScratchFolder folder;
  for (const auto& [name, bytes] : {std::pair{"pixel.png", gif}, std::pair{"grey.jpg", pgm}}) {
    const std::string path = folder.file(name);
    test::write_bytes(path, bytes);
    const std::string refusal = "cannot decode image '" + path +
                                "': Image not of any known type, or corrupt (corrupt, or not a "
                                "JPEG, PNG or BMP file)";
    EXPECT_EQ(error_message([&] { decode_image(path, 3); }), refusal);
    EXPECT_EQ(error_message([&] { encoded_image_size(test::read_bytes(path), 3, path); }), refusal);
  }
}

}  // namespace
}  // namespace hg::data
