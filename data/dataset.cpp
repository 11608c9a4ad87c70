// Dataset::get and the in-memory, subset and concatenation datasets (see dataset.h).
#include "data/dataset.h"

namespace hg::data {

std::string size_string(const ImageSize& size) {
  if (size.height == 0) return detail::concat("?x?x", size.channels);
  return detail::concat(size.height, "x", size.width, "x", size.channels);
}

Sample Dataset::get(int64_t index) const {
  check_index(index);
  Sample sample;
  sample.image = image(index);
  const Labels& all = labels();
  sample.labels = all.row(index);
  if (!all.multi_label()) sample.class_id = all.class_id(index);
  return sample;
}

EncodedImage Dataset::encoded(int64_t index) const {
  check_index(index);
  return {};
}

void Dataset::check_index(int64_t index) const {
  HG_CHECK(index >= 0 && index < size(), name(), ": item ", index, " out of range [0, ", size(),
           ")");
}

InMemoryDataset::InMemoryDataset(std::string name, ImageSize size, std::vector<uint8_t> pixels,
                                 Labels labels)
    : name_(std::move(name)), size_(size), pixels_(std::move(pixels)), labels_(std::move(labels)) {
  HG_CHECK(static_cast<int64_t>(pixels_.size()) == labels_.count() * size_.bytes(), name_, ": ",
           pixels_.size(), " bytes of pixels do not hold ", labels_.count(), " images of ",
           size_string(size_));
}

Image InMemoryDataset::image(int64_t index) const {
  Image result;
  result.size = size_;
  const uint8_t* start = pixels(index);
  result.pixels.assign(start, start + size_.bytes());
  return result;
}

const uint8_t* InMemoryDataset::pixels(int64_t index) const {
  check_index(index);
  return pixels_.data() + index * size_.bytes();
}

SubsetDataset::SubsetDataset(std::shared_ptr<const Dataset> source, std::vector<int64_t> indices,
                             std::string name)
    : source_(std::move(source)), indices_(std::move(indices)), name_(std::move(name)) {
  for (int64_t index : indices_)
    HG_CHECK(index >= 0 && index < source_->size(), name_, ": index ", index, " is outside ",
             source_->name(), " (", source_->size(), " items)");
  labels_ = source_->labels().gather(indices_);
}

Image SubsetDataset::image(int64_t index) const { return source_->image(source_index(index)); }

EncodedImage SubsetDataset::encoded(int64_t index) const {
  return source_->encoded(source_index(index));
}

int64_t SubsetDataset::source_index(int64_t index) const {
  check_index(index);
  return indices_[index];
}

ConcatDataset::ConcatDataset(std::shared_ptr<const Dataset> first,
                             std::shared_ptr<const Dataset> second, std::string name)
    : first_(std::move(first)), second_(std::move(second)), name_(std::move(name)) {
  HG_CHECK(first_->image_size() == second_->image_size(), name_, ": cannot join ", first_->name(),
           " (", size_string(first_->image_size()), " images) and ", second_->name(), " (",
           size_string(second_->image_size()), " images)");
  labels_ = first_->labels().concat(second_->labels());
}

Image ConcatDataset::image(int64_t index) const {
  check_index(index);
  return index < first_->size() ? first_->image(index) : second_->image(index - first_->size());
}

EncodedImage ConcatDataset::encoded(int64_t index) const {
  check_index(index);
  return index < first_->size() ? first_->encoded(index) : second_->encoded(index - first_->size());
}

}  // namespace hg::data
