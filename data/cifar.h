// CIFAR-10 and CIFAR-100 binary batches (Krizhevsky 2009, the "binary version" archives).
//
// A batch file is a sequence of fixed-size records, one per 32×32 colour image:
//   CIFAR-10:  <1 byte label>                      <3072 bytes pixels>   (3073 bytes)
//   CIFAR-100: <1 byte coarse label><1 byte fine label><3072 bytes pixels> (3074 bytes)
// The pixels are planar: 1024 red bytes, then 1024 green, then 1024 blue, each a row-major
// 32×32 plane. The reader turns them into the HWC images the rest of data/ uses.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace hg::data {

enum class CifarVariant {
  cifar10,          // 10 classes
  cifar100_fine,    // 100 classes (the fine label)
  cifar100_coarse,  // 20 superclasses (the coarse label)
};

// The records of `paths`, in order, as one dataset. Each file must hold a whole number of
// records, and exactly `records_per_file` of them unless that is 0; every label must be in
// range. Errors name the file and the record (0-based).
std::shared_ptr<InMemoryDataset> read_cifar_batches(const std::vector<std::string>& paths,
                                                    CifarVariant variant, int64_t records_per_file,
                                                    const std::string& name);

struct CifarSets {
  std::shared_ptr<InMemoryDataset> train;  // 50,000 images
  std::shared_ptr<InMemoryDataset> test;   // 10,000 images
};

// CIFAR-10 from a folder holding data_batch_1.bin ... data_batch_5.bin and test_batch.bin
// (10,000 records each), or holding the archive's cifar-10-batches-bin folder.
CifarSets load_cifar10(const std::string& directory);
// CIFAR-100 from a folder holding train.bin (50,000 records) and test.bin (10,000), or the
// archive's cifar-100-binary folder.
CifarSets load_cifar100(const std::string& directory, bool coarse_labels = false);

}  // namespace hg::data
