// The CIFAR binary batch reader on batches written here: the planar-to-HWC conversion, the
// labels of CIFAR-10 and both CIFAR-100 label sets, and the corrupt variants (truncated file,
// wrong record count, label out of range, missing files), messages checked in full.
#include <gtest/gtest.h>

#include "data/cifar.h"
#include "tests/data_test_files.h"

namespace hg::data {
namespace {

using test::error_message;

// A record whose pixel (y, x) of channel c is (y·32 + x + 50·c + 7·seed) mod 256.
std::vector<uint8_t> record(std::vector<uint8_t> label_bytes, int seed) {
  std::vector<uint8_t> bytes = std::move(label_bytes);
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 1024; ++p)
      bytes.push_back(static_cast<uint8_t>((p + 50 * c + 7 * seed) % 256));
  return bytes;
}

std::vector<uint8_t> join(const std::vector<std::vector<uint8_t>>& records) {
  std::vector<uint8_t> bytes;
  for (const auto& r : records) bytes.insert(bytes.end(), r.begin(), r.end());
  return bytes;
}

TEST(DataCifar, ConvertsPlanarRecordsToHwcImagesWithLabels) {
  test::ScratchFolder folder;
  std::string first = folder.file("data_batch_1.bin"), second = folder.file("data_batch_2.bin");
  test::write_bytes(first, join({record({3}, 0), record({9}, 1)}));
  test::write_bytes(second, join({record({0}, 2)}));
  auto dataset = read_cifar_batches({first, second}, CifarVariant::cifar10, 0, "tiny");
  ASSERT_EQ(dataset->size(), 3);
  EXPECT_EQ(dataset->image_size(), (ImageSize{32, 32, 3}));
  EXPECT_EQ(dataset->labels().class_ids(), (std::vector<int32_t>{3, 9, 0}));
  // Item 1 (seed 1): pixel (y=2, x=5) is p = 69, so RGB = (69+7, 69+57, 69+107).
  Image image = dataset->image(1);
  const uint8_t* pixel = image.at(2, 5);
  EXPECT_EQ(pixel[0], 76);
  EXPECT_EQ(pixel[1], 126);
  EXPECT_EQ(pixel[2], 176);
  // Item 2 (seed 2), last pixel p = 1023: (1023 + 14) mod 256 = 13, +50 = 63, +100 = 113.
  Image last_image = dataset->image(2);  // kept alive: `last` points into it
  const uint8_t* last = last_image.at(31, 31);
  EXPECT_EQ(last[0], 13);
  EXPECT_EQ(last[1], 63);
  EXPECT_EQ(last[2], 113);
}

TEST(DataCifar, Cifar100KeepsFineOrCoarseLabels) {
  test::ScratchFolder folder;
  std::string path = folder.file("train.bin.gz");
  test::write_gzip(path, join({record({4, 87}, 0), record({19, 99}, 1)}));
  auto fine = read_cifar_batches({path}, CifarVariant::cifar100_fine, 0, "fine");
  EXPECT_EQ(fine->num_classes(), 100);
  EXPECT_EQ(fine->labels().class_ids(), (std::vector<int32_t>{87, 99}));
  auto coarse = read_cifar_batches({path}, CifarVariant::cifar100_coarse, 0, "coarse");
  EXPECT_EQ(coarse->num_classes(), 20);
  EXPECT_EQ(coarse->labels().class_ids(), (std::vector<int32_t>{4, 19}));
  EXPECT_EQ(fine->image(1).pixels, coarse->image(1).pixels);
}

TEST(DataCifar, RejectsTruncatedFilesCountsAndLabels) {
  test::ScratchFolder folder;
  std::string path = folder.file("test_batch.bin");
  std::vector<uint8_t> bytes = join({record({1}, 0), record({2}, 1)});
  bytes.resize(bytes.size() - 100);
  test::write_bytes(path, bytes);
  EXPECT_EQ(error_message([&] { read_cifar_batches({path}, CifarVariant::cifar10, 0, "t"); }),
            path +
                ": truncated: 6046 bytes is not a whole number of 3073-byte records (record 1 "
                "has only 2973 bytes)");
  test::write_bytes(path, join({record({1}, 0), record({2}, 1)}));
  EXPECT_EQ(error_message([&] { read_cifar_batches({path}, CifarVariant::cifar10, 10000, "t"); }),
            path + ": holds 2 records, expected 10000");
  test::write_bytes(path, join({record({1}, 0), record({10}, 1)}));
  EXPECT_EQ(error_message([&] { read_cifar_batches({path}, CifarVariant::cifar10, 0, "t"); }),
            path + ": record 1: label 10 is out of range [0, 10)");
  test::write_bytes(path, join({record({20, 5}, 0)}));
  EXPECT_EQ(
      error_message([&] { read_cifar_batches({path}, CifarVariant::cifar100_coarse, 0, "t"); }),
      path + ": record 0: label 20 is out of range [0, 20)");
  test::write_bytes(path, {});
  EXPECT_EQ(error_message([&] { read_cifar_batches({path}, CifarVariant::cifar10, 0, "t"); }),
            path + ": holds no records");
}

TEST(DataCifar, DirectoryLoadersNameTheMissingFile) {
  test::ScratchFolder folder;
  std::string root = folder.file("cifar");
  std::filesystem::create_directories(root);
  test::write_bytes(folder.file("cifar/test_batch.bin"), record({1}, 0));
  EXPECT_EQ(error_message([&] { load_cifar10(root); }),
            "no data_batch_1.bin in '" + root +
                "': expected data_batch_1.bin ... data_batch_5.bin and test_batch.bin (the binary "
                "version of the dataset)");
  EXPECT_EQ(error_message([&] { load_cifar100(root); }),
            "no train.bin in '" + root +
                "': expected train.bin and test.bin (the binary version of the dataset)");
  // The batches inside the archive's own folder are found too; the count check then applies.
  std::filesystem::remove(folder.file("cifar/test_batch.bin"));
  for (int i = 1; i <= 5; ++i)
    test::write_bytes(
        folder.file("cifar/cifar-10-batches-bin/data_batch_" + std::to_string(i) + ".bin"),
        record({1}, i));
  test::write_bytes(folder.file("cifar/cifar-10-batches-bin/test_batch.bin"), record({1}, 0));
  EXPECT_EQ(error_message([&] { load_cifar10(root); }),
            root + "/cifar-10-batches-bin/data_batch_1.bin: holds 1 records, expected 10000");
}

}  // namespace
}  // namespace hg::data
