// The inputs the fuzzers of tests/fuzz found crashes and timeouts with, kept under
// tests/fixtures/fuzz/<target>/ and replayed here through the same reader: each must now be
// refused with an hg::Error whose message says what is wrong (and, being an hg::Error, nothing
// worse).
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "data/idx.h"
#include "data/image_io.h"
#include "data/image_list.h"
#include "tensor/safetensors.h"
#include "tests/command_support.h"
#include "tests/data_test_files.h"
#include "tests/fuzz/safetensors_header_input.h"
#include "tests/test_support.h"
#include "train/config.h"
#include "train/trained_model.h"
#include "train/training_setup.h"

namespace hg {
namespace {

namespace fs = std::filesystem;

// The files of tests/fixtures/fuzz/<target>.
std::vector<std::string> findings(const std::string& target) {
  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(test::fixture_path("fuzz/" + target)))
    paths.push_back(entry.path().string());
  EXPECT_FALSE(paths.empty()) << target;
  return paths;
}

TEST(FuzzRegression, IdxHeaderWhoseDimensionsOverflowTheirProduct) {
  // 1280 x 37486839 x 4278257667: the product of the first two is under the 64 GiB limit, the
  // third overflowed int64 before the limit was checked (UBSan: signed integer overflow).
  for (const std::string& path : findings("idx")) {
    const std::string message = test::error_message([&] { data::read_idx(path, 3); });
    EXPECT_NE(message.find("1280 x 37486839 x 4278257667 array (over 64 GiB)"), std::string::npos)
        << message;
  }
}

TEST(FuzzRegression, PngChunkClaimingMoreThanTheFileHolds) {
  // 94 bytes whose IDAT chunk claims 1627390073: stb_image grew its buffer to that before reading
  // (a timeout under the fuzzer, the time going into the allocation).
  for (const std::string& path : findings("image_png")) {
    const std::string message = test::error_message([&] { data::decode_image(path, 3); });
    EXPECT_NE(message.find("a PNG chunk claims 1627390073 bytes, more than the file holds"),
              std::string::npos)
        << message;
  }
}

TEST(FuzzRegression, JpegScanUsingAHuffmanTableTheFileDoesNotDefine) {
  // The scan codes component 1 with AC table 0, which no DHT segment defines: stb_image decoded
  // it with its uninitialised memory (a SEGV in stbi__jpeg_decode_block, depending on what that
  // memory held). libjpeg-turbo, where built, declines the file first (its quantization table 1
  // is undefined too).
  for (const std::string& path :
       {test::fixture_path("fuzz/image_jpeg/scan_using_undefined_huffman_table")}) {
    for (int channels : {3, 1}) {
      const std::string message = test::error_message([&] { data::decode_image(path, channels); });
      EXPECT_NE(message.find("'" + path +
                             "': a JPEG scan uses AC Huffman table 0, which the file "
                             "does not define (corrupt)"),
                std::string::npos)
          << message;
    }
  }
}

TEST(FuzzRegression, JpegFrameWithoutScans) {
  // 62 bytes: a frame header declaring 15108x2054 pixels, then the end of the image. stb_image
  // decoded all 31 million pixels from zeros (a timeout under the fuzzer, 2026-12-07).
  const std::string path = test::fixture_path("fuzz/image_jpeg/frame_without_scan");
  const std::string message = test::error_message([&] { data::decode_image(path, 3); });
  EXPECT_NE(message.find("'" + path +
                         "': the JPEG declares 15108x2054 pixels, 729283 blocks of at least a bit "
                         "each, but its scans hold 0 bytes"),
            std::string::npos)
      << message;
}

TEST(FuzzRegression, JpegScanEndedByAnUnknownMarker) {
  // 688 bytes: a frame of 1056x60160 pixels, a scan of 58 bytes, then marker 0xFF05. stb_image
  // refuses that marker, but only after it has decoded the scan's 1.5 million blocks, nearly all
  // from zeros (a timeout under the fuzzer, 2026-12-07): the scan's bytes are checked whatever
  // marker comes after them.
  const std::string path = test::fixture_path("fuzz/image_jpeg/scan_ended_by_unknown_marker");
  for (int channels : {3, 1}) {
    const std::string message = test::error_message([&] { data::decode_image(path, channels); });
    EXPECT_NE(message.find("'" + path +
                           "': the JPEG declares 1056x60160 pixels, 1488960 blocks of at least a "
                           "bit each, but its scans hold 58 bytes"),
              std::string::npos)
        << message;
  }
}

TEST(FuzzRegression, ImageListOfIdsAskingForFarMoreLabelsThanItHolds) {
  // 5,682 bytes, 523 image lines of several ids, one of them 88881: 46 MB of multi-hot rows, and
  // seconds under the fuzzer (a timeout, 2026-12-07). Refused before any image is read.
  for (const std::string& path : findings("image_list")) {
    data::ImageListOptions options;
    options.height = options.width = 8;
    const std::string message =
        test::error_message([&] { data::ImageListDataset::from_list(path, options); });
    EXPECT_NE(
        message.find(path + ":238: label 88881 makes 88882 classes: the labels of this multi-label "
                            "list would take 523 x 88882 bytes, more than 128 times the list's "
                            "5682 bytes"),
        std::string::npos)
        << message;
  }
}

TEST(FuzzRegression, BmpShorterThanThePixelsItDeclares) {
  // 131 bytes declaring 8388615x5 pixels of 24 bits: stb_image filled the missing 40 million
  // pixels one by one (a timeout under the fuzzer).
  for (const std::string& path : findings("image_bmp")) {
    const std::string message = test::error_message([&] { data::decode_image(path, 3); });
    EXPECT_NE(message.find("the BMP declares 8388615x5 pixels of 24 bits, 125829237 bytes from "
                           "byte 54, but the file has 131 bytes"),
              std::string::npos)
        << message;
  }
}

TEST(FuzzRegression, SafetensorsHeaderNumberBeyondDoubleRange) {
  // A header of 999...9e00010538423128046960640: nlohmann's parser throws out_of_range (406),
  // not the parse_error parse_json caught, and the uncaught exception aborted the reader.
  test::ScratchFolder folder;
  for (const std::string& input : findings("safetensors_header")) {
    const std::vector<uint8_t> bytes = test::read_bytes(input);
    const std::string path = folder.file("finding.safetensors");
    test::write_bytes(path, fuzz::safetensors_file_of_input(bytes.data(), bytes.size()));
    const std::string message = test::error_message([&] { read_safetensors(path); });
    EXPECT_NE(message.find("the header is not valid JSON: [json.exception.out_of_range.406] "
                           "number overflow parsing"),
              std::string::npos)
        << message;
  }
}

TEST(FuzzRegression, ConfigRandomCropPaddingBeyondInt) {
  // train_transforms = random_crop(2,9999999991): the padding, read as a double, was cast to an
  // int to check that it was whole, undefined behaviour past int's range (UBSan: outside the
  // range of representable values of type 'int'). A padding is now read as a size is.
  for (const std::string& path : findings("config")) {
    const std::string message =
        test::error_message([&] { read_training_setup(Config::load(path)); });
    EXPECT_NE(message.find("random_crop(2,9999999991): '9999999991' is not a padding in pixels "
                           "(a whole number from 0 to 65536)"),
              std::string::npos)
        << message;
  }
}

TEST(FuzzRegression, ModelJsonIntegerFieldBeyondInt64) {
  // "image_size": 5555...528 (73 digits) parses as a double; nlohmann's get<int64_t>() cast it to
  // an integer, undefined behaviour (UBSan: 5.55556e+72 is outside the range of 'long').
  for (const std::string& path : findings("model_json")) {
    const std::string message = test::error_message([&] { load_model_description(path); });
    EXPECT_NE(message.find("'" + path +
                           "': \"image_size\" is not an integer within int64's range: "
                           "5.5555555555555555e+72"),
              std::string::npos)
        << message;
  }
  // The other ways a field can fail to be an integer, each named.
  test::ScratchFolder folder;
  const std::string valid = test::read_text(findings("model_json").front());
  const std::string literal =
      "5555555555555555555555555555555555555555555555555555555555555555555555528";
  for (const char* value : {"28.5", "\"28\"", "9223372036854775808"}) {
    std::string text = valid;
    text.replace(text.find(literal), literal.size(), value);
    const std::string path = folder.file("model.json");
    test::write_text(path, text);
    const std::string message = test::error_message([&] { load_model_description(path); });
    EXPECT_NE(message.find(std::string("\"image_size\" is not an integer within int64's range: ") +
                           value),
              std::string::npos)
        << message;
  }
}

// The command_arguments target's input as shell words: one argument per line, each in single
// quotes (the fixtures hold no quote of their own).
std::string shell_arguments(const std::string& path) {
  std::istringstream lines(test::read_text(path));
  std::string words;
  for (std::string line; std::getline(lines, line);) words += " '" + line + "'";
  return words;
}

using FuzzRegressionCommand = test::CommandTest;

TEST_F(FuzzRegressionCommand, TrainResumeWithANameLongerThan255Bytes) {
  // hashgrad train --resume <a 294-byte name>: std::filesystem::exists threw its own
  // filesystem_error (File name too long), which no reader may throw and whose message held the
  // name's bytes raw. core/path_status.h answers with an hg::Error quoting the name, cut.
  for (const std::string& path : findings("command_arguments")) {
    const test::CommandRun result =
        run("cd " + folder_.string() + " && " + test::build_directory() + "/hashgrad" +
            shell_arguments(path));
    EXPECT_EQ(result.status, 1) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_EQ(result.err.rfind("hashgrad train: error: cannot look at 'N6C", 0), 0u) << result.err;
    EXPECT_NE(result.err.find("... (317 bytes)': " +
                              std::make_error_code(std::errc::filename_too_long).message()),
              std::string::npos)
        << result.err;
  }
}

}  // namespace
}  // namespace hg
