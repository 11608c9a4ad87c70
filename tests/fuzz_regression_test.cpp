// The inputs the fuzzers of tests/fuzz found crashes with, kept under tests/fixtures/fuzz/<target>/
// and replayed here through the same reader: each must now be refused with an hg::Error whose
// message says what is wrong (and, being an hg::Error, nothing worse).
#include <gtest/gtest.h>

#include <filesystem>

#include "data/idx.h"
#include "data/image_io.h"
#include "tests/test_support.h"

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

}  // namespace
}  // namespace hg
