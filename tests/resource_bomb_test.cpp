// Resource bombs: small files whose headers claim enormous contents (2^40 elements, a
// 60000 x 60000 image, a gzip stream that inflates without end, JSON nested a million deep).
// Each reader refuses them with a one-line message naming the file, before allocating what the
// header claims. The files here are a few kilobytes; a reader that trusted them would ask for
// terabytes and die, so a passing test is also the proof that nothing was allocated first.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>

#include "core/json.h"
#include "data/cifar.h"
#include "data/idx.h"
#include "data/image_io.h"
#include "data/image_list.h"
#include "hashing/code_file.h"
#include "hashing/npy.h"
#include "tensor/safetensors.h"
#include "tests/data_test_files.h"
#include "tests/test_support.h"
#include "train/trained_model.h"

namespace hg {
namespace {

using test::error_message;

void expect_one_line_naming(const std::string& message, const std::string& path,
                            const std::string& problem) {
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find(problem), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

std::vector<uint8_t> big_endian_u32(uint32_t value) {
  return {static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
          static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
}

std::vector<uint8_t> idx_header(std::vector<uint32_t> dims) {
  std::vector<uint8_t> bytes = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t dim : dims) {
    std::vector<uint8_t> field = big_endian_u32(dim);
    bytes.insert(bytes.end(), field.begin(), field.end());
  }
  return bytes;
}

TEST(ResourceBomb, IdxHeaderDeclaringTwoToTheFortyElements) {
  test::ScratchFolder folder;
  const std::string path = folder.file("images-idx3-ubyte");
  std::vector<uint8_t> bytes = idx_header({1u << 20, 1u << 10, 1u << 10});
  bytes.resize(bytes.size() + 784, 0);
  test::write_bytes(path, bytes);
  expect_one_line_naming(error_message([&] { data::read_idx(path, 3); }), path,
                         "1048576 x 1024 x 1024 array (over 64 GiB)");
}

TEST(ResourceBomb, IdxHeaderClaimingMoreThanTheFileCanHold) {
  test::ScratchFolder folder;
  // 1 GiB claimed (under the 64 GiB plausibility limit) by a 1 KiB plain file, and by a gzip
  // file whose 1 KiB of deflate cannot inflate past 1032 times its size.
  std::vector<uint8_t> bytes = idx_header({1u << 20, 32, 32});
  bytes.resize(1024, 0);
  const std::string plain = folder.file("plain-idx3-ubyte");
  test::write_bytes(plain, bytes);
  expect_one_line_naming(error_message([&] { data::read_idx(plain, 3); }), plain,
                         "(1073741824 bytes) but the file can hold at most 1024");
  const std::string compressed = folder.file("compressed-idx3-ubyte.gz");
  test::write_gzip(compressed, bytes);
  expect_one_line_naming(error_message([&] { data::read_idx(compressed, 3); }), compressed,
                         "(1073741824 bytes) but the file can hold at most");
}

TEST(ResourceBomb, GzipBombIsCutAtWhatTheFormatHolds) {
  test::ScratchFolder folder;
  // 64 MiB of zeros compress to about 64 KiB. A CIFAR file of 2 records holds 6146 bytes: the
  // reader stops inflating one byte past that.
  const std::string cifar = folder.file("data_batch_1.bin.gz");
  test::write_gzip(cifar, std::vector<uint8_t>(size_t{64} << 20, 0));
  expect_one_line_naming(
      error_message(
          [&] { data::read_cifar_batches({cifar}, data::CifarVariant::cifar10, 2, "bomb"); }),
      cifar, "holds more than 6146 bytes of data");
  // The same stream after an IDX header for 10 images of 28 x 28.
  const std::string idx = folder.file("images-idx3-ubyte.gz");
  std::vector<uint8_t> bytes = idx_header({10, 28, 28});
  bytes.resize(bytes.size() + (size_t{64} << 20), 0);
  test::write_gzip(idx, bytes);
  expect_one_line_naming(error_message([&] { data::read_idx(idx, 3); }), idx,
                         "holds more data than the 10 x 28 x 28 array");
}

std::string npy_file(const test::ScratchFolder& folder, const std::string& name,
                     const std::string& shape) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::vector<uint8_t> bytes = {
      0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(header.size()), 0};
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.resize(bytes.size() + 8, 0);  // two floats of data
  const std::string path = folder.file(name);
  test::write_bytes(path, bytes);
  return path;
}

TEST(ResourceBomb, NpyHeaderDeclaringTwoToTheFortyElements) {
  test::ScratchFolder folder;
  const std::string large = npy_file(folder, "large.npy", "(1099511627776,)");
  expect_one_line_naming(error_message([&] { hashing::read_npy(large); }), large,
                         "needs 4398046511104 data bytes, the file has 8 (truncated)");
  // 2^80 elements would overflow the byte count; a 0 beside them does not excuse them.
  const std::string overflowing =
      npy_file(folder, "overflow.npy", "(1099511627776, 1099511627776, 0)");
  expect_one_line_naming(error_message([&] { hashing::read_npy(overflowing); }), overflowing,
                         "declares more than 2^48 elements");
}

std::string safetensors_file(const test::ScratchFolder& folder, const std::string& name,
                             const std::string& header, size_t data_bytes) {
  std::vector<uint8_t> bytes(8);
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(uint64_t{header.size()} >> (8 * i));
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.resize(bytes.size() + data_bytes, 0);
  const std::string path = folder.file(name);
  test::write_bytes(path, bytes);
  return path;
}

TEST(ResourceBomb, SafetensorsHeaderDeclaringTwoToTheFortyElements) {
  test::ScratchFolder folder;
  const std::string large = safetensors_file(
      folder, "large.safetensors",
      R"({"w": {"dtype": "F32", "shape": [1048576, 1048576], "data_offsets": [0, 4398046511104]}})",
      16);
  expect_one_line_naming(error_message([&] { read_safetensors(large); }), large,
                         "outside the 16 bytes of data");
  const std::string overflowing = safetensors_file(
      folder, "overflow.safetensors",
      R"({"w": {"dtype": "F32", "shape": [1099511627776, 1099511627776, 0], "data_offsets": [0, 0]}})",
      0);
  expect_one_line_naming(error_message([&] { read_safetensors(overflowing); }), overflowing,
                         "impossibly large shape");
}

TEST(ResourceBomb, DeeplyNestedJsonIsRefusedWhileParsing) {
  test::ScratchFolder folder;
  // A million '[' would be a million nested arrays, gigabytes, and a stack overflow to print.
  const std::string nested =
      safetensors_file(folder, "nested.safetensors", "{\"w\": " + std::string(1'000'000, '['), 0);
  expect_one_line_naming(error_message([&] { read_safetensors(nested); }), nested,
                         "the header nests JSON deeper than 32 levels");
  const std::string model = folder.file("model.json");
  test::write_text(model, "{\"format\": " + std::string(1'000'000, '['));
  expect_one_line_naming(error_message([&] { load_model_description(model); }), model,
                         "nests JSON deeper than 32 levels");
  // 32 levels still parse.
  EXPECT_EQ(parse_json(std::string(32, '[') + std::string(32, ']'), "test").dump(),
            std::string(32, '[') + std::string(32, ']'));
}

TEST(ResourceBomb, CodeFileHeaderDeclaringTwoToTheFortyCodes) {
  test::ScratchFolder folder;
  const std::string path = folder.file("codes.hgc");
  hashing::CodeSet codes = hashing::CodeSet::from_words(64, {1, 2, 3}, {});
  hashing::write_code_file(path, codes);
  std::vector<uint8_t> bytes = test::read_bytes(path);
  const uint64_t count = uint64_t{1} << 40;
  std::memcpy(&bytes[16], &count, 8);
  test::write_bytes(path, bytes);
  expect_one_line_naming(error_message([&] { hashing::read_code_file(path); }), path,
                         "header says 1099511627776 codes, more than the file's");
}

// A PNG of one IHDR chunk declaring width x height, an empty IDAT and IEND, CRCs correct.
std::vector<uint8_t> png_header_only(uint32_t width, uint32_t height) {
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  auto chunk = [&](const char* type, std::vector<uint8_t> data) {
    std::vector<uint8_t> length = big_endian_u32(static_cast<uint32_t>(data.size()));
    png.insert(png.end(), length.begin(), length.end());
    std::vector<uint8_t> body(type, type + 4);
    body.insert(body.end(), data.begin(), data.end());
    png.insert(png.end(), body.begin(), body.end());
    std::vector<uint8_t> crc = big_endian_u32(
        static_cast<uint32_t>(crc32(0, body.data(), static_cast<uInt>(body.size()))));
    png.insert(png.end(), crc.begin(), crc.end());
  };
  std::vector<uint8_t> header = big_endian_u32(width);
  std::vector<uint8_t> height_bytes = big_endian_u32(height);
  header.insert(header.end(), height_bytes.begin(), height_bytes.end());
  header.insert(header.end(), {8, 2, 0, 0, 0});  // 8-bit RGB
  chunk("IHDR", header);
  chunk("IDAT", {0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
  chunk("IEND", {});
  return png;
}

TEST(ResourceBomb, ImageDeclaringSixtyThousandSquaredPixels) {
  test::ScratchFolder folder;
  const std::string path = folder.file("huge.png");
  test::write_bytes(path, png_header_only(60000, 60000));
  // stb_image's own header check refuses this one (over 2^30 bytes of pixels)...
  expect_one_line_naming(error_message([&] { data::decode_image(path, 3); }), path,
                         "Image too large to decode");
  // ... hashgrad's, anything over 2^26 pixels.
  test::write_bytes(path, png_header_only(10000, 10000));
  expect_one_line_naming(error_message([&] { data::decode_image(path, 3); }), path,
                         "declares 10000x10000 pixels, more than the 67108864");
  // A header within the limit: its 8 bytes of compressed data cannot hold the pixels, refused
  // before stb_image allocates for them (data/image_checks.h).
  test::write_bytes(path, png_header_only(64, 64));
  expect_one_line_naming(error_message([&] { data::decode_image(path, 3); }), path,
                         "the PNG declares 64x64 pixels (12288 bytes) but holds 8 bytes of "
                         "compressed data, which inflate to at most 8256");
}

TEST(ResourceBomb, JpegDeclaringTenThousandSquaredPixels) {
  // An 8x8 JPEG whose frame header says 10000x10000. libjpeg-turbo, where built, decodes JPEGs
  // before stb_image reads their header, and would fill the missing 10^8 pixels: its path checks
  // the dimensions itself.
  test::ScratchFolder folder;
  const std::string path = folder.file("huge.jpg");
  data::write_jpeg(path, data::Image(data::ImageSize{8, 8, 3}));
  std::vector<uint8_t> bytes = test::read_bytes(path);
  size_t frame = 0;  // the 0xFF 0xC0 of the baseline frame header: length, precision, height, width
  while (frame + 8 < bytes.size() && !(bytes[frame] == 0xFF && bytes[frame + 1] == 0xC0)) ++frame;
  ASSERT_LT(frame + 8, bytes.size());
  for (size_t at : {frame + 5, frame + 7}) {
    bytes[at] = 10000 >> 8;
    bytes[at + 1] = 10000 & 0xFF;
  }
  test::write_bytes(path, bytes);
  expect_one_line_naming(error_message([&] { data::decode_image(path, 3); }), path,
                         "declares 10000x10000 pixels, more than the 67108864");
}

TEST(ResourceBomb, ImageListLabelOfABillionClasses) {
  test::ScratchFolder folder;
  // The labels become a lines x classes matrix: 999999999 would be a gigabyte for this line.
  const std::string list = folder.file("list.txt");
  test::write_text(list, "a.png 3\nb.png 999999999\n");
  data::ImageListOptions options;
  options.height = options.width = 8;
  options.cache = data::CacheMode::never;
  expect_one_line_naming(error_message([&] { data::ImageListDataset::from_list(list, options); }),
                         list + ":2", "label 999999999 is not below 100000");
}

}  // namespace
}  // namespace hg
