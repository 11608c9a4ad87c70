// Datasets of image files: a list file, or a folder per class.
//
// A list file has one image per line, its path relative to the list's folder (or absolute),
// then its labels, in one of two forms:
//   images/cat_01.jpg 3          class ids: one or more ids in [0, num_classes)
//   images/0001.jpg 0 1 0 0 1    multi-hot: one 0/1 value per class (NUS-WIDE, DeepHash-pytorch)
// Blank lines and lines starting with # are skipped; paths cannot contain spaces. The form is
// detected unless set: every line holding the same number (≥ 3) of values, all 0 or 1, is
// multi-hot (a class-id line cannot repeat an id, so three 0/1 ids are impossible). The data
// is single-label when every image has exactly one label, multi-label otherwise. Multi-label
// data is kept as an images x classes byte matrix, so a multi-label list of class ids may ask
// for at most 128 times its own size in labels (one mistyped id would otherwise ask for
// gigabytes); a list with more classes than that writes multi-hot rows.
//
// A folder tree root/<class name>/<image files> gives class ids in the sorted order of the
// class folders; .jpg, .jpeg, .png and .bmp files are read, in sorted order.
//
// Images are decoded (data/image_io.h) and resized (bilinear) to a fixed size, or, with no size
// set, kept at their own size for the loader's transforms to crop (image_size() is then ?x?). A
// dataset of fixed-size images that fits in the cache limit is decoded once, in parallel, and
// kept in memory; a bigger one, or one of varying sizes, decodes each image when the loader
// asks for it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace hg::data {

enum class LabelFormat { automatic, class_ids, multi_hot };
enum class CacheMode { automatic, always, never };

struct ImageListOptions {
  int height = 0, width = 0;  // every image is resized to this; 0 × 0: each keeps its own size
  // Images of their own size: a JPEG may be shrunk while decoding as long as its shorter side
  // stays ≥ reducible_to (Pipeline::reducible_to of the transforms that follow); 0: full size.
  int reducible_to = 0;
  int channels = 3;     // 1 (grey) or 3 (RGB)
  int num_classes = 0;  // 0: from the data (largest id + 1, or the multi-hot width)
  LabelFormat label_format = LabelFormat::automatic;
  CacheMode cache = CacheMode::automatic;
  int64_t cache_limit_bytes = int64_t{4} << 30;  // CacheMode::automatic caches up to this
  // Drop images that cannot be decoded (with a warning each and a count at the end) instead of
  // failing. Every image is then decoded once up front, cached or not, to find them.
  bool skip_corrupt_images = false;
  // Receives the warnings of skip_corrupt_images; they are also kept in
  // ImageListDataset::warnings().
  std::function<void(const std::string&)> on_warning;
};

class ImageListDataset : public Dataset {
 public:
  static std::shared_ptr<ImageListDataset> from_list(const std::string& list_path,
                                                     const ImageListOptions& options);
  static std::shared_ptr<ImageListDataset> from_folder(const std::string& root,
                                                       const ImageListOptions& options);

  std::string name() const override { return name_; }
  ImageSize image_size() const override { return size_; }
  const Labels& labels() const override { return labels_; }
  Image image(int64_t index) const override;
  // The file of item i when the images keep their own size and are not cached.
  EncodedImage encoded(int64_t index) const override;

  // The image file of item i, as resolved from the list.
  const std::string& path(int64_t index) const;
  // The class folder names of a folder tree (class id = position); empty for a list.
  const std::vector<std::string>& class_names() const { return class_names_; }
  bool cached() const { return !pixels_.empty(); }
  int64_t skipped() const { return skipped_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  struct Entry {
    std::string path;   // resolved file path
    std::string where;  // "list.txt:12: " for a list entry, empty for a folder entry
  };
  ImageListDataset(std::string name, std::vector<Entry> entries, Labels labels,
                   std::vector<std::string> class_names, const ImageListOptions& options);
  Image decode(int64_t index) const;
  // Decodes every image once: to fill the cache, and/or to find the corrupt ones.
  void decode_all(bool keep_pixels, const ImageListOptions& options);

  std::string name_;
  ImageSize size_;
  std::vector<Entry> entries_;
  Labels labels_;
  std::vector<std::string> class_names_;
  int reducible_to_ = 0;
  std::vector<uint8_t> pixels_;  // the cache: n × height × width × channels, or empty
  int64_t skipped_ = 0;
  std::vector<std::string> warnings_;
};

}  // namespace hg::data
