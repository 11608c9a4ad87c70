// The checks made before stb_image decodes a file (data/image_checks.h): files written by
// stb_image_write pass them, and each flaw they look for, made in such a file, is refused with a
// message naming the file and the flaw.
#include <gtest/gtest.h>

#include <stb/stb_image_write.h>

#include "data/image_checks.h"
#include "data/image_io.h"
#include "tests/data_test_files.h"
#include "tests/test_support.h"

namespace hg::data {
namespace {

Image gradient(int height, int width) {
  Image image(ImageSize{height, width, 3});
  for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<uint8_t>(i * 7);
  return image;
}

std::string refusal(const std::vector<uint8_t>& bytes) {
  return test::error_message([&] { check_image_for_stb(bytes, "x.img"); });
}

// Where the marker 0xFF `code` starts in a JPEG.
size_t marker_at(const std::vector<uint8_t>& jpeg, uint8_t code) {
  for (size_t at = 0; at + 1 < jpeg.size(); ++at)
    if (jpeg[at] == 0xFF && jpeg[at + 1] == code) return at;
  ADD_FAILURE() << "no marker " << int{code};
  return 0;
}

TEST(DataImageChecks, JpegScanUsingAnUndefinedTableOrAnOversizedHuffmanTable) {
  test::ScratchFolder folder;
  write_jpeg(folder.file("a.jpg"), gradient(20, 30));
  const std::vector<uint8_t> jpeg = test::read_bytes(folder.path("a.jpg"));
  check_image_for_stb(jpeg, "a.jpg");
  // stb_image_write defines DC table 0 first: renumbered 2, the scans' table 0 is undefined.
  std::vector<uint8_t> renumbered = jpeg;
  const size_t huffman = marker_at(jpeg, 0xC4);
  ASSERT_EQ(renumbered[huffman + 4], 0x00);
  renumbered[huffman + 4] = 0x02;
  EXPECT_EQ(refusal(renumbered),
            "cannot decode image 'x.img': a JPEG scan uses DC Huffman table 0, which the file "
            "does not define (corrupt)");
  std::vector<uint8_t> no_quantization = jpeg;
  no_quantization[marker_at(jpeg, 0xDB) + 4] = 0x03;  // the first table becomes table 3
  EXPECT_NE(refusal(no_quantization).find("uses quantization table 0, which the file does not"),
            std::string::npos);
  // The counts of codes of lengths 1..16 raised to sum over 256.
  std::vector<uint8_t> oversized = jpeg;
  oversized[huffman + 5 + 15] = 255;
  oversized[huffman + 5 + 14] = 255;
  EXPECT_NE(refusal(oversized).find("a JPEG Huffman table declares"), std::string::npos);
  EXPECT_NE(refusal(oversized).find("more than the 256 a table can hold"), std::string::npos);
  // A file cut inside its entropy-coded data stays stb_image's to decode as far as it can.
  check_image_for_stb({jpeg.begin(), jpeg.end() - 20}, "a.jpg");
}

TEST(DataImageChecks, JpegWhoseScansHoldLessThanABitPerBlock) {
  test::ScratchFolder folder;
  write_jpeg(folder.file("a.jpg"), gradient(200, 320));
  const std::vector<uint8_t> jpeg = test::read_bytes(folder.path("a.jpg"));
  // stb_image_write samples the three components alike: 3 x 40 x 25 blocks, 375 bytes at least.
  const size_t scan = marker_at(jpeg, 0xDA);
  const size_t data = scan + 2 + (size_t{jpeg[scan + 2]} << 8 | jpeg[scan + 3]);
  // The file's first `bytes`, then the end-of-image marker.
  const auto first_then_end = [&](size_t bytes) {
    std::vector<uint8_t> cut(jpeg.begin(), jpeg.begin() + static_cast<int64_t>(bytes));
    cut.insert(cut.end(), {0xFF, 0xD9});
    return cut;
  };
  for (size_t kept : {size_t{0}, size_t{374}}) {
    EXPECT_EQ(refusal(first_then_end(data + kept)),
              "cannot decode image 'x.img': the JPEG declares 320x200 pixels, 3000 "
              "blocks of at least a bit each, but its scans hold " +
                  std::to_string(kept) + " bytes (truncated, or made to exhaust time)");
  }
  // No scan at all: the frame header, then the end of the image.
  EXPECT_NE(refusal(first_then_end(scan)).find("but its scans hold 0 bytes"), std::string::npos);
  // A bit per block is enough to pass, and so is the whole file.
  check_image_for_stb(first_then_end(data + 375), "a.jpg");
  check_image_for_stb(jpeg, "a.jpg");
}

TEST(DataImageChecks, BmpShorterThanItsPixelDataOrOfAnUnknownPixelSize) {
  test::ScratchFolder folder;
  const std::string path = folder.file("a.bmp");
  const Image image = gradient(5, 7);  // rows of 21 bytes, padded to 24
  ASSERT_NE(stbi_write_bmp(path.c_str(), 7, 5, 3, image.pixels.data()), 0);
  const std::vector<uint8_t> bmp = test::read_bytes(path);
  ASSERT_EQ(bmp.size(), 54u + 5 * 24);
  check_image_for_stb(bmp, "a.bmp");
  check_image_for_stb({bmp.begin(), bmp.end() - 3}, "a.bmp");  // the last row's padding
  EXPECT_EQ(refusal({bmp.begin(), bmp.end() - 4}),
            "cannot decode image 'x.img': the BMP declares 7x5 pixels of 24 bits, 117 bytes from "
            "byte 54, but the file has 170 bytes (truncated, or made to exhaust time)");
  std::vector<uint8_t> no_bits = bmp;
  no_bits[28] = 0;  // bits per pixel, stb_image allocates the pixels before it reads them
  EXPECT_EQ(refusal(no_bits),
            "cannot decode image 'x.img': the BMP has 0 bits per pixel, not 1, 4, 8, 16, 24 or 32 "
            "(corrupt)");
}

TEST(DataImageChecks, PngWhoseCompressedDataCannotHoldItsPixels) {
  test::ScratchFolder folder;
  write_png(folder.file("a.png"), gradient(40, 50));
  const std::vector<uint8_t> png = test::read_bytes(folder.path("a.png"));
  check_image_for_stb(png, "a.png");
  // The header's height raised to 60000: 50x60000x3 bytes from the IDAT of a 50x40 image.
  std::vector<uint8_t> taller = png;
  taller[22] = 60000 >> 8;
  taller[23] = 60000 & 0xFF;
  const std::string message = refusal(taller);
  EXPECT_NE(message.find("the PNG declares 50x60000 pixels (9000000 bytes) but holds "),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("(truncated, or made to exhaust memory)"), std::string::npos) << message;
}

}  // namespace
}  // namespace hg::data
