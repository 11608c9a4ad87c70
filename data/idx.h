// IDX files: the format of MNIST and Fashion-MNIST (LeCun et al.), plain or gzip-compressed.
//
// An IDX file is a 4-byte magic — two zero bytes, an element-type byte (0x08 = unsigned byte)
// and the number of dimensions — then each dimension as a big-endian u32, then the array,
// row-major. Images are 3-dim (count × rows × columns, magic 00 00 08 03), labels 1-dim
// (count, magic 00 00 08 01).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace hg::data {

// Where Debian's dataset-fashion-mnist package puts the four files.
inline constexpr const char* kFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";
// $HASHGRAD_FASHION_MNIST when set (machines without the Debian package, such as a lent GPU
// machine with the files carried along), else kFashionMnistDirectory.
std::string fashion_mnist_directory();

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> values;  // row-major
};

// Reads an unsigned-byte IDX array of `expected_dims` dimensions. Everything is checked: the
// magic, the element type, the number of dimensions, that the file holds exactly the data the
// header announces. Errors name the file.
IdxArray read_idx(const std::string& path, int expected_dims);

// An images file and its labels file as one dataset; counts must agree and every label must lie
// in [0, num_classes).
std::shared_ptr<InMemoryDataset> load_idx_dataset(const std::string& images_path,
                                                  const std::string& labels_path, int num_classes,
                                                  const std::string& name);

// The MNIST-layout pair <part>-images-idx3-ubyte[.gz] and <part>-labels-idx1-ubyte[.gz] of
// `directory` (part "train" or "t10k"), the .gz file when both exist.
std::shared_ptr<InMemoryDataset> load_mnist_part(const std::string& directory,
                                                 const std::string& part, const std::string& name);

struct FashionMnist {
  std::shared_ptr<InMemoryDataset> train;  // 60,000 images
  std::shared_ptr<InMemoryDataset> test;   // 10,000 images
};
FashionMnist load_fashion_mnist(const std::string& directory = fashion_mnist_directory());

}  // namespace hg::data
