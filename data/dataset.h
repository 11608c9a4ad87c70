// The Dataset interface of data/ (DESIGN §2) and the datasets that are views of others.
//
// A dataset is random access: get(i) returns item i's image (u8, height × width × channels,
// row-major HWC, as image files store it) and its labels. Every image of a dataset has the
// size image_size(), or, where that is ?x? (a list read at each file's own size), its own: the
// loader's transforms then end in a fixed size (a crop) so that it can stack them into a batch.
// Datasets are read by several loader threads at once: image() and labels() must be safe to
// call concurrently.
//
// The split protocols build query / database / training sets as SubsetDatasets (index lists
// into one pool) and ConcatDatasets (CIFAR's train + test pool), which copy no pixels.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tensor/labels.h"

namespace hg::data {

// height = width = 0: the images vary in size (image lists read at each file's own size).
struct ImageSize {
  int height = 0, width = 0, channels = 0;
  int64_t bytes() const { return int64_t{height} * width * channels; }
  bool operator==(const ImageSize& other) const {
    return height == other.height && width == other.width && channels == other.channels;
  }
};

// "28x28x1"; "?x?x3" for images that vary in size
std::string size_string(const ImageSize& size);

// An 8-bit image, height × width × channels, row-major with the channels innermost (HWC).
struct Image {
  ImageSize size;
  std::vector<uint8_t> pixels;

  Image() = default;
  explicit Image(ImageSize image_size)
      : size(image_size), pixels(static_cast<size_t>(image_size.bytes()), 0) {}
  uint8_t* at(int y, int x) {
    return pixels.data() + (int64_t{y} * size.width + x) * size.channels;
  }
  const uint8_t* at(int y, int x) const {
    return pixels.data() + (int64_t{y} * size.width + x) * size.channels;
  }
};

// An image file as stored, for a decoder that runs elsewhere (nvJPEG, on the GPU).
struct EncodedImage {
  std::string path;            // names the file in errors
  std::vector<uint8_t> bytes;  // empty: the item has no file of its own to hand out
};

struct Sample {
  Image image;
  std::vector<uint8_t> labels;  // the item's row of the label matrix (num_classes bytes)
  int32_t class_id = -1;        // single-label data; -1 for multi-label data
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  // Names the data in messages: "Fashion-MNIST train", "lists/train.txt".
  virtual std::string name() const = 0;
  virtual ImageSize image_size() const = 0;
  virtual const Labels& labels() const = 0;
  // Image i (0 ≤ i < size()); may decode a file, so it can throw an error naming it.
  virtual Image image(int64_t index) const = 0;
  // Item i's file when image(i) is that file decoded with nothing done to it (an image list at
  // each file's own size, not cached), though perhaps shrunk in the DCT domain; empty bytes
  // otherwise (pixels made or resized here, a cache).
  virtual EncodedImage encoded(int64_t index) const;

  int64_t size() const { return labels().count(); }
  int num_classes() const { return static_cast<int>(labels().num_classes()); }
  bool multi_label() const { return labels().multi_label(); }
  Sample get(int64_t index) const;

 protected:
  void check_index(int64_t index) const;
};

// Every image decoded, in one block of n × height × width × channels bytes: the IDX and CIFAR
// readers return these, and image lists become one when they are cached.
class InMemoryDataset : public Dataset {
 public:
  InMemoryDataset(std::string name, ImageSize size, std::vector<uint8_t> pixels, Labels labels);
  std::string name() const override { return name_; }
  ImageSize image_size() const override { return size_; }
  const Labels& labels() const override { return labels_; }
  Image image(int64_t index) const override;
  // Item i's pixels in place, without a copy.
  const uint8_t* pixels(int64_t index) const;

 private:
  std::string name_;
  ImageSize size_;
  std::vector<uint8_t> pixels_;
  Labels labels_;
};

// The items of `source` at `indices`, in that order (indices may repeat).
class SubsetDataset : public Dataset {
 public:
  SubsetDataset(std::shared_ptr<const Dataset> source, std::vector<int64_t> indices,
                std::string name);
  std::string name() const override { return name_; }
  ImageSize image_size() const override { return source_->image_size(); }
  const Labels& labels() const override { return labels_; }
  Image image(int64_t index) const override;
  EncodedImage encoded(int64_t index) const override;
  // Where item i of the subset sits in the source.
  int64_t source_index(int64_t index) const;
  const std::vector<int64_t>& indices() const { return indices_; }

 private:
  std::shared_ptr<const Dataset> source_;
  std::vector<int64_t> indices_;
  Labels labels_;
  std::string name_;
};

// The items of `first`, then those of `second` (same image size, same classes).
class ConcatDataset : public Dataset {
 public:
  ConcatDataset(std::shared_ptr<const Dataset> first, std::shared_ptr<const Dataset> second,
                std::string name);
  std::string name() const override { return name_; }
  ImageSize image_size() const override { return first_->image_size(); }
  const Labels& labels() const override { return labels_; }
  Image image(int64_t index) const override;
  EncodedImage encoded(int64_t index) const override;

 private:
  std::shared_ptr<const Dataset> first_, second_;
  Labels labels_;
  std::string name_;
};

}  // namespace hg::data
