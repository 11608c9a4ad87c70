// The CIFAR binary batch reader (see cifar.h).
#include "data/cifar.h"

#include <filesystem>

#include "core/path_status.h"
#include "data/gzip_file.h"

namespace hg::data {

namespace {

constexpr int kSide = 32;
constexpr int kPlane = kSide * kSide;  // bytes of one colour plane
constexpr int kPixelBytes = 3 * kPlane;

struct Layout {
  int label_bytes;   // bytes before the pixels
  int label_offset;  // which of them is the label we keep
  int num_classes;
};

Layout layout_of(CifarVariant variant) {
  switch (variant) {
    case CifarVariant::cifar10:
      return {1, 0, 10};
    case CifarVariant::cifar100_coarse:
      return {2, 0, 20};
    case CifarVariant::cifar100_fine:
      return {2, 1, 100};
  }
  throw Error("unknown CIFAR variant");
}

// `directory` itself, or its `archive_folder` when the archive was unpacked into it.
std::filesystem::path batches_folder(const std::string& directory, const char* archive_folder,
                                     const char* first_file) {
  std::filesystem::path root(directory);
  if (!path_exists(root / first_file) && path_exists(root / archive_folder / first_file))
    return root / archive_folder;
  return root;
}

void require_files(const std::vector<std::string>& paths, const std::string& directory,
                   const char* expected) {
  for (const std::string& path : paths)
    HG_CHECK(path_exists(path), "no ", std::filesystem::path(path).filename().string(), " in '",
             directory, "': expected ", expected, " (the binary version of the dataset)");
}

}  // namespace

std::shared_ptr<InMemoryDataset> read_cifar_batches(const std::vector<std::string>& paths,
                                                    CifarVariant variant, int64_t records_per_file,
                                                    const std::string& name) {
  const Layout layout = layout_of(variant);
  const int64_t record_bytes = layout.label_bytes + kPixelBytes;
  std::vector<uint8_t> pixels;
  std::vector<int32_t> class_ids;
  for (const std::string& path : paths) {
    // A file of unknown length may hold up to a million records (CIFAR's largest has 50,000).
    const int64_t most_records = records_per_file > 0 ? records_per_file : 1'000'000;
    std::vector<uint8_t> bytes = GzipFile(path).read_all(most_records * record_bytes);
    const int64_t size = static_cast<int64_t>(bytes.size());
    const int64_t records = size / record_bytes;
    HG_CHECK(size % record_bytes == 0, path, ": truncated: ", size,
             " bytes is not a whole number of ", record_bytes, "-byte records (record ", records,
             " has only ", size % record_bytes, " bytes)");
    HG_CHECK(records > 0, path, ": holds no records");
    HG_CHECK(records_per_file == 0 || records == records_per_file, path, ": holds ", records,
             " records, expected ", records_per_file);
    const size_t first_pixel = pixels.size();
    pixels.resize(first_pixel + records * kPixelBytes);
    for (int64_t r = 0; r < records; ++r) {
      const uint8_t* record = bytes.data() + r * record_bytes;
      int label = record[layout.label_offset];
      HG_CHECK(label < layout.num_classes, path, ": record ", r, ": label ", label,
               " is out of range [0, ", layout.num_classes, ")");
      class_ids.push_back(label);
      // Planar RGB to HWC: pixel p of plane c goes to p·3 + c.
      const uint8_t* planes = record + layout.label_bytes;
      uint8_t* out = pixels.data() + first_pixel + r * kPixelBytes;
      for (int p = 0; p < kPlane; ++p)
        for (int c = 0; c < 3; ++c) out[p * 3 + c] = planes[c * kPlane + p];
    }
  }
  return std::make_shared<InMemoryDataset>(
      name, ImageSize{kSide, kSide, 3}, std::move(pixels),
      Labels::from_class_ids(std::move(class_ids), layout.num_classes));
}

CifarSets load_cifar10(const std::string& directory) {
  std::filesystem::path folder =
      batches_folder(directory, "cifar-10-batches-bin", "test_batch.bin");
  std::vector<std::string> train_paths;
  for (int i = 1; i <= 5; ++i)
    train_paths.push_back((folder / ("data_batch_" + std::to_string(i) + ".bin")).string());
  std::vector<std::string> test_paths{(folder / "test_batch.bin").string()};
  const char* expected = "data_batch_1.bin ... data_batch_5.bin and test_batch.bin";
  require_files(train_paths, directory, expected);
  require_files(test_paths, directory, expected);
  return {read_cifar_batches(train_paths, CifarVariant::cifar10, 10000, "CIFAR-10 train"),
          read_cifar_batches(test_paths, CifarVariant::cifar10, 10000, "CIFAR-10 test")};
}

CifarSets load_cifar100(const std::string& directory, bool coarse_labels) {
  std::filesystem::path folder = batches_folder(directory, "cifar-100-binary", "test.bin");
  std::vector<std::string> train_paths{(folder / "train.bin").string()};
  std::vector<std::string> test_paths{(folder / "test.bin").string()};
  require_files(train_paths, directory, "train.bin and test.bin");
  require_files(test_paths, directory, "train.bin and test.bin");
  CifarVariant variant =
      coarse_labels ? CifarVariant::cifar100_coarse : CifarVariant::cifar100_fine;
  return {read_cifar_batches(train_paths, variant, 50000, "CIFAR-100 train"),
          read_cifar_batches(test_paths, variant, 10000, "CIFAR-100 test")};
}

}  // namespace hg::data
