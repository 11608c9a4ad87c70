// The IDX reader on small files written here: plain and gzipped, from a pipe, and every corrupt
// variant (wrong magic, wrong type, swapped files, truncation, trailing data, count mismatch,
// labels out of range), each error message checked in full.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "data/idx.h"
#include "tests/data_test_files.h"

namespace hg::data {
namespace {

using test::error_message;

// An IDX file: 00 00 08 <dims>, big-endian u32 dims, then the values.
std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims,
                               const std::vector<uint8_t>& values, uint8_t type = 0x08) {
  std::vector<uint8_t> bytes{0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t dim : dims)
    for (int shift : {24, 16, 8, 0}) bytes.push_back(static_cast<uint8_t>(dim >> shift));
  bytes.insert(bytes.end(), values.begin(), values.end());
  return bytes;
}

// Three 2×3 images whose pixel (y, x) of image i is 10·i + 3·y + x, and labels 4, 0, 9.
std::vector<uint8_t> tiny_images() {
  std::vector<uint8_t> values;
  for (int i = 0; i < 3; ++i)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x) values.push_back(static_cast<uint8_t>(10 * i + 3 * y + x));
  return idx_bytes({3, 2, 3}, values);
}
std::vector<uint8_t> tiny_labels() { return idx_bytes({3}, {4, 0, 9}); }

void check_tiny_dataset(const InMemoryDataset& dataset) {
  ASSERT_EQ(dataset.size(), 3);
  EXPECT_EQ(dataset.image_size(), (ImageSize{2, 3, 1}));
  EXPECT_EQ(dataset.num_classes(), 10);
  EXPECT_FALSE(dataset.multi_label());
  EXPECT_EQ(dataset.labels().class_ids(), (std::vector<int32_t>{4, 0, 9}));
  Sample second = dataset.get(1);
  EXPECT_EQ(second.image.pixels, (std::vector<uint8_t>{10, 11, 12, 13, 14, 15}));
  EXPECT_EQ(second.class_id, 0);
  EXPECT_EQ(second.labels, (std::vector<uint8_t>{1, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(DataIdx, ReadsPlainAndGzippedFiles) {
  test::ScratchFolder folder;
  test::write_bytes(folder.file("images.idx"), tiny_images());
  test::write_bytes(folder.file("labels.idx"), tiny_labels());
  check_tiny_dataset(
      *load_idx_dataset(folder.file("images.idx"), folder.file("labels.idx"), 10, "tiny"));
  test::write_gzip(folder.file("images.idx.gz"), tiny_images());
  test::write_gzip(folder.file("labels.idx.gz"), tiny_labels());
  check_tiny_dataset(
      *load_idx_dataset(folder.file("images.idx.gz"), folder.file("labels.idx.gz"), 10, "tiny"));
}

// A pipe cannot be looked at before it is read, so zlib reads it, compressed or not.
TEST(DataIdx, ReadsPlainAndGzippedDataFromAPipe) {
  test::ScratchFolder folder;
  const std::vector<uint8_t> images = tiny_images();
  test::write_gzip(folder.file("images.idx.gz"), images);
  const std::string pipe = folder.file("pipe");
  ASSERT_EQ(mkfifo(pipe.c_str(), 0600), 0);
  for (const std::vector<uint8_t>& bytes :
       {images, test::read_bytes(folder.file("images.idx.gz"))}) {
    std::thread writer([&] { test::write_bytes(pipe, bytes); });  // opening waits for the reader
    const IdxArray array = read_idx(pipe, 3);
    writer.join();
    EXPECT_EQ(array.dims, (std::vector<int64_t>{3, 2, 3}));
    // The values follow the 16 header bytes (magic, then 3 dimensions of 4 bytes).
    EXPECT_EQ(array.values, std::vector<uint8_t>(images.begin() + 16, images.end()));
  }
}

TEST(DataIdx, FindsTheMnistFileNamesAndPrefersGz) {
  test::ScratchFolder folder;
  test::write_gzip(folder.file("t10k-images-idx3-ubyte.gz"), tiny_images());
  test::write_bytes(folder.file("t10k-labels-idx1-ubyte"), tiny_labels());
  std::string root = folder.file("");
  check_tiny_dataset(*load_mnist_part(root, "t10k", "tiny"));
  EXPECT_EQ(error_message([&] { load_mnist_part(root, "train", "tiny"); }),
            "no train-images-idx3-ubyte[.gz] in '" + root +
                "' (for Fashion-MNIST install Debian's dataset-fashion-mnist package, or point "
                "the data directory at a folder with the four IDX files)");
}

TEST(DataIdx, RejectsWrongMagicTypeAndDimensions) {
  test::ScratchFolder folder;
  std::string path = folder.file("bad.idx");
  test::write_bytes(path, {0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 1});
  EXPECT_EQ(error_message([&] { read_idx(path, 3); }),
            path + ": not an IDX file (magic bytes 50 4b 03 04; an IDX file starts with 00 00)");
  test::write_bytes(path, idx_bytes({1, 1, 1}, {0, 0, 0, 0}, 0x0D));
  EXPECT_EQ(error_message([&] { read_idx(path, 3); }),
            path +
                ": IDX element type 0xd (f32) is not supported: hashgrad reads unsigned-byte "
                "(0x08) IDX files");
  // A labels file given where the images belong.
  test::write_bytes(path, tiny_labels());
  EXPECT_EQ(error_message([&] { read_idx(path, 3); }),
            path +
                ": holds a 1-dim array (magic 00 00 08 01), expected 3 dims (an images file, "
                "magic 00 00 08 03)");
  test::write_bytes(path, tiny_images());
  EXPECT_EQ(error_message([&] { read_idx(path, 1); }),
            path +
                ": holds a 3-dim array (magic 00 00 08 03), expected 1 dim (a labels file, "
                "magic 00 00 08 01)");
}

TEST(DataIdx, RejectsTruncatedFilesPlainAndCompressed) {
  test::ScratchFolder folder;
  std::string path = folder.file("cut.idx");
  test::write_bytes(path, {0, 0});
  EXPECT_EQ(error_message([&] { read_idx(path, 3); }),
            path + ": truncated: 2 bytes, too short for an IDX header");
  std::vector<uint8_t> images = tiny_images();
  test::write_bytes(path, std::vector<uint8_t>(images.begin(), images.begin() + 10));
  EXPECT_EQ(error_message([&] { read_idx(path, 3); }),
            path + ": truncated inside the header (dimension 1 of 3 is missing)");
  test::write_bytes(path, std::vector<uint8_t>(images.begin(), images.end() - 5));
  EXPECT_EQ(error_message([&] { read_idx(path, 3); }),
            path +
                ": truncated: the header announces a 3 x 2 x 3 array (18 bytes) but the file "
                "holds only 13");
  // A gzip stream cut in the middle: zlib notices the missing end of the stream.
  std::string compressed = folder.file("cut.idx.gz");
  test::write_gzip(compressed, images);
  std::vector<uint8_t> whole = test::read_bytes(compressed);
  test::write_bytes(compressed, std::vector<uint8_t>(whole.begin(), whole.end() - 12));
  EXPECT_EQ(error_message([&] { read_idx(compressed, 3); }),
            compressed + ": truncated compressed data (unexpected end of file)");
}

TEST(DataIdx, RejectsCorruptCompressedData) {
  test::ScratchFolder folder;
  std::string path = folder.file("corrupt.idx.gz");
  test::write_gzip(path, tiny_images());
  std::vector<uint8_t> bytes = test::read_bytes(path);
  for (size_t i = 10; i < bytes.size() - 8; ++i) bytes[i] ^= 0x5a;  // scramble the deflate data
  test::write_bytes(path, bytes);
  std::string message = error_message([&] { read_idx(path, 3); });
  EXPECT_EQ(message.rfind(path + ": corrupt compressed data (", 0), 0u) << message;
  // zlib's own message, without its name for the file ("<fd:3>: ...").
  EXPECT_EQ(message.find('<'), std::string::npos) << message;
  EXPECT_EQ(message.find(path, 1), std::string::npos) << message;
}

TEST(DataIdx, RejectsTrailingDataCountMismatchAndLabelsOutOfRange) {
  test::ScratchFolder folder;
  std::string images = folder.file("images.idx"), labels = folder.file("labels.idx");
  std::vector<uint8_t> longer = tiny_images();
  longer.push_back(7);
  test::write_bytes(images, longer);
  EXPECT_EQ(error_message([&] { read_idx(images, 3); }),
            images +
                ": holds more data than the 3 x 2 x 3 array its header announces (a wrong "
                "header, or two files joined)");
  test::write_bytes(images, tiny_images());
  test::write_bytes(labels, idx_bytes({2}, {1, 2}));
  EXPECT_EQ(error_message([&] { load_idx_dataset(images, labels, 10, "tiny"); }),
            "count mismatch: " + images + " holds 3 images but " + labels + " holds 2 labels");
  test::write_bytes(labels, idx_bytes({3}, {1, 12, 2}));
  EXPECT_EQ(error_message([&] { load_idx_dataset(images, labels, 10, "tiny"); }),
            labels + ": record 1: label 12 is out of range [0, 10)");
  EXPECT_EQ(error_message([&] { read_idx(folder.file("missing.idx"), 3); }),
            "cannot open '" + folder.file("missing.idx") + "': No such file or directory");
}

}  // namespace
}  // namespace hg::data
