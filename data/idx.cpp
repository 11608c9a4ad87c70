// The IDX reader (see idx.h).
#include "data/idx.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/path_status.h"
#include "data/gzip_file.h"

namespace hg::data {

std::string fashion_mnist_directory() {
  const char* override_directory = std::getenv("HASHGRAD_FASHION_MNIST");
  return override_directory != nullptr && override_directory[0] != '\0' ? override_directory
                                                                        : kFashionMnistDirectory;
}

namespace {

const char* idx_type_name(int type) {
  switch (type) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "i16";
    case 0x0C:
      return "i32";
    case 0x0D:
      return "f32";
    case 0x0E:
      return "f64";
    default:
      return "unknown";
  }
}

std::string magic_string(const uint8_t magic[4]) {
  char text[16];
  std::snprintf(text, sizeof text, "%02x %02x %02x %02x", magic[0], magic[1], magic[2], magic[3]);
  return text;
}

std::string dims_string(const std::vector<int64_t>& dims) {
  std::string text;
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? " x " : "") + std::to_string(dims[i]);
  return text;
}

// The .gz file when it exists, else the plain one (named without .gz in the message).
std::string find_idx_file(const std::string& directory, const std::string& stem) {
  std::filesystem::path base = std::filesystem::path(directory) / stem;
  std::filesystem::path compressed = base;
  compressed += ".gz";
  if (path_exists(compressed)) return compressed.string();
  HG_CHECK(path_exists(base), "no ", stem, "[.gz] in '", directory,
           "' (for Fashion-MNIST install Debian's dataset-fashion-mnist package, or point the "
           "data directory at a folder with the four IDX files)");
  return base.string();
}

}  // namespace

IdxArray read_idx(const std::string& path, int expected_dims) {
  GzipFile file(path);
  uint8_t magic[4];
  size_t got = file.read(magic, 4);
  HG_CHECK(got == 4, path, ": truncated: ", got, " bytes, too short for an IDX header");
  HG_CHECK(magic[0] == 0 && magic[1] == 0, path, ": not an IDX file (magic bytes ",
           magic_string(magic), "; an IDX file starts with 00 00)");
  HG_CHECK(magic[2] == 0x08, path, ": IDX element type 0x", std::hex, int{magic[2]}, std::dec, " (",
           idx_type_name(magic[2]),
           ") is not supported: hashgrad reads unsigned-byte "
           "(0x08) IDX files");
  HG_CHECK(magic[3] == expected_dims, path, ": holds a ", int{magic[3]}, "-dim array (magic ",
           magic_string(magic), "), expected ", expected_dims,
           expected_dims == 3 ? " dims (an images file, magic 00 00 08 03)"
                              : " dim (a labels file, magic 00 00 08 01)");

  IdxArray array;
  int64_t total = 1;
  for (int d = 0; d < expected_dims; ++d) {
    uint8_t bytes[4];
    HG_CHECK(file.read(bytes, 4) == 4, path, ": truncated inside the header (dimension ", d, " of ",
             expected_dims, " is missing)");
    int64_t dim = (int64_t{bytes[0]} << 24) | (int64_t{bytes[1]} << 16) | (int64_t{bytes[2]} << 8) |
                  int64_t{bytes[3]};
    HG_CHECK(dim > 0, path, ": dimension ", d, " is 0 (an empty array)");
    array.dims.push_back(dim);
    // Checked before multiplying: three dimensions of up to 2^32 would overflow the product.
    HG_CHECK(dim <= (int64_t{1} << 36) / total, path, ": the header announces an implausible ",
             dims_string(array.dims), " array (over 64 GiB): the file is corrupt");
    total *= dim;
  }
  const uint64_t most = file.most_bytes_held();
  HG_CHECK(static_cast<uint64_t>(total) <= most, path, ": truncated: the header announces a ",
           dims_string(array.dims), " array (", total, " bytes) but the file can hold at most ",
           most);
  // Sized from the file rather than allocated from the header's claim at once: a cut-off file
  // then costs only the memory of what it holds.
  array.values = file.read_up_to(static_cast<size_t>(total));
  got = array.values.size();
  HG_CHECK(got == static_cast<size_t>(total), path, ": truncated: the header announces a ",
           dims_string(array.dims), " array (", total, " bytes) but the file holds only ", got);
  HG_CHECK(file.at_end(), path, ": holds more data than the ", dims_string(array.dims),
           " array its header announces (a wrong header, or two files joined)");
  return array;
}

std::shared_ptr<InMemoryDataset> load_idx_dataset(const std::string& images_path,
                                                  const std::string& labels_path, int num_classes,
                                                  const std::string& name) {
  IdxArray images = read_idx(images_path, 3);
  IdxArray labels = read_idx(labels_path, 1);
  HG_CHECK(images.dims[0] == labels.dims[0], "count mismatch: ", images_path, " holds ",
           images.dims[0], " images but ", labels_path, " holds ", labels.dims[0], " labels");
  std::vector<int32_t> class_ids(labels.values.begin(), labels.values.end());
  for (size_t i = 0; i < class_ids.size(); ++i)
    HG_CHECK(class_ids[i] < num_classes, labels_path, ": record ", i, ": label ", class_ids[i],
             " is out of range [0, ", num_classes, ")");
  ImageSize size{static_cast<int>(images.dims[1]), static_cast<int>(images.dims[2]), 1};
  return std::make_shared<InMemoryDataset>(
      name, size, std::move(images.values),
      Labels::from_class_ids(std::move(class_ids), num_classes));
}

std::shared_ptr<InMemoryDataset> load_mnist_part(const std::string& directory,
                                                 const std::string& part, const std::string& name) {
  const std::string images = find_idx_file(directory, part + "-images-idx3-ubyte");
  const std::string labels = find_idx_file(directory, part + "-labels-idx1-ubyte");
  return load_idx_dataset(images, labels, 10, name);
}

FashionMnist load_fashion_mnist(const std::string& directory) {
  return {load_mnist_part(directory, "train", "Fashion-MNIST train"),
          load_mnist_part(directory, "t10k", "Fashion-MNIST test")};
}

}  // namespace hg::data
