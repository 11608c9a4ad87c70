// Labels, their gathers and views, and the share-a-class relevance (see labels.h).
#include "tensor/labels.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace hg {

const char* label_layout_name(LabelLayout layout) {
  switch (layout) {
    case LabelLayout::none:
      return "none";
    case LabelLayout::class_ids:
      return "class ids";
    case LabelLayout::multi_hot:
      return "multi-hot";
  }
  return "unknown";
}

Labels Labels::from_class_ids(std::vector<int32_t> class_ids, int64_t num_classes) {
  HG_CHECK(num_classes >= 0,
           "labels: num_classes must be positive (or 0: 1 + the largest id), got ", num_classes);
  if (num_classes == 0) {
    int32_t largest = -1;
    for (int32_t id : class_ids) largest = std::max(largest, id);
    num_classes = int64_t{largest} + 1;
  }
  for (size_t i = 0; i < class_ids.size(); ++i)
    HG_CHECK(class_ids[i] >= 0 && class_ids[i] < num_classes, "labels: item ", i, " has class ",
             class_ids[i], ", outside [0, ", num_classes, ")");
  Labels labels;
  labels.layout_ = LabelLayout::class_ids;
  labels.count_ = static_cast<int64_t>(class_ids.size());
  labels.num_classes_ = num_classes;
  labels.class_ids_ = std::move(class_ids);
  return labels;
}

Labels Labels::from_multi_hot(std::vector<uint8_t> matrix, int64_t num_classes) {
  HG_CHECK(num_classes > 0, "labels: num_classes must be positive, got ", num_classes);
  const auto columns = static_cast<size_t>(num_classes);
  HG_CHECK(matrix.size() % columns == 0, "labels: a multi-hot matrix of ", matrix.size(),
           " values is not a whole number of rows of ", num_classes);
  for (size_t i = 0; i < matrix.size(); ++i)
    HG_CHECK(matrix[i] <= 1, "labels: multi-hot value ", int{matrix[i]}, " at item ", i / columns,
             ", class ", i % columns, " is not 0 or 1");
  Labels labels;
  labels.layout_ = LabelLayout::multi_hot;
  labels.count_ = static_cast<int64_t>(matrix.size() / columns);
  labels.num_classes_ = num_classes;
  labels.multi_hot_ = std::move(matrix);
  return labels;
}

void Labels::check_item(int64_t index) const {
  HG_CHECK(index >= 0 && index < count_, "labels: item ", index, " out of range [0, ", count_, ")");
}

int32_t Labels::class_id(int64_t index) const {
  check_item(index);
  return class_ids()[index];
}

const std::vector<int32_t>& Labels::class_ids() const {
  HG_CHECK(layout_ != LabelLayout::multi_hot,
           "labels: class ids asked of multi-label data (use the label matrix)");
  HG_CHECK(layout_ != LabelLayout::none, "labels: class ids asked of items without labels");
  return class_ids_;
}

std::vector<int64_t> Labels::classes_of(int64_t index) const {
  check_item(index);
  if (layout_ == LabelLayout::class_ids) return {class_ids_[index]};
  std::vector<int64_t> classes;
  const uint8_t* row = multi_hot_.data() + index * num_classes_;
  for (int64_t c = 0; c < num_classes_; ++c)
    if (row[c] != 0) classes.push_back(c);
  return classes;
}

std::vector<uint8_t> Labels::row(int64_t index) const {
  std::vector<uint8_t> result(static_cast<size_t>(num_classes_), 0);
  for (int64_t c : classes_of(index)) result[c] = 1;
  return result;
}

std::vector<uint8_t> Labels::matrix() const {
  if (layout_ == LabelLayout::multi_hot) return multi_hot_;
  std::vector<uint8_t> result(static_cast<size_t>(count_ * num_classes_), 0);
  for (int64_t i = 0; i < count_; ++i) result[i * num_classes_ + class_ids_[i]] = 1;
  return result;
}

Labels Labels::gather(const std::vector<int64_t>& indices) const {
  if (empty()) return {};
  Labels result;
  result.layout_ = layout_;
  result.count_ = static_cast<int64_t>(indices.size());
  result.num_classes_ = num_classes_;
  if (layout_ == LabelLayout::class_ids) result.class_ids_.resize(indices.size());
  if (layout_ == LabelLayout::multi_hot) result.multi_hot_.resize(indices.size() * num_classes_);
  for (size_t i = 0; i < indices.size(); ++i) {
    check_item(indices[i]);
    if (layout_ == LabelLayout::class_ids) result.class_ids_[i] = class_ids_[indices[i]];
    if (layout_ == LabelLayout::multi_hot)
      std::memcpy(result.multi_hot_.data() + i * num_classes_,
                  multi_hot_.data() + indices[i] * num_classes_, num_classes_);
  }
  return result;
}

namespace {

// "single-label", "multi-label" or "unlabelled", for messages about two label sets.
const char* kind(const Labels& labels) {
  return labels.empty() ? "unlabelled" : labels.multi_label() ? "multi-label" : "single-label";
}

}  // namespace

Labels Labels::concat(const Labels& other) const {
  HG_CHECK(num_classes_ == other.num_classes_ && layout_ == other.layout_,
           "labels: cannot concatenate ", num_classes_, "-class ", kind(*this), " data with ",
           other.num_classes_, "-class ", kind(other), " data");
  Labels result = *this;
  result.count_ += other.count_;
  result.class_ids_.insert(result.class_ids_.end(), other.class_ids_.begin(),
                           other.class_ids_.end());
  result.multi_hot_.insert(result.multi_hot_.end(), other.multi_hot_.begin(),
                           other.multi_hot_.end());
  return result;
}

Tensor Labels::matrix_tensor(DType dtype) const {
  HG_CHECK(dtype == DType::u8 || dtype == DType::f32,
           "labels: the label matrix comes as u8 or f32, not ", dtype_name(dtype));
  Tensor bytes = Tensor::from_vector(matrix(), {count_, num_classes_});
  return dtype == DType::u8 ? bytes : bytes.to(DType::f32);
}

Tensor Labels::class_id_tensor() const {
  const std::vector<int32_t>& ids = class_ids();
  return Tensor::from_vector(std::vector<int64_t>(ids.begin(), ids.end()), {count_});
}

namespace {

// Row i of the label matrix as bits: class c of item i is bit c % 64 of word i·words + c / 64.
std::vector<uint64_t> pack_rows(const Labels& labels, int64_t words) {
  std::vector<uint64_t> bits(static_cast<size_t>(labels.count() * words), 0);
  for (int64_t i = 0; i < labels.count(); ++i)
    for (int64_t c : labels.classes_of(i)) bits[i * words + c / 64] |= uint64_t{1} << (c % 64);
  return bits;
}

}  // namespace

RelevanceTable::RelevanceTable(const Labels& queries, const Labels& database) {
  HG_CHECK(!queries.empty() && !database.empty(),
           "relevance needs labels for both queries and database (queries: ",
           label_layout_name(queries.layout()),
           ", database: ", label_layout_name(database.layout()), ")");
  class_ids_ = !queries.multi_label() && !database.multi_label();
  if (class_ids_) {
    // Same class is same id, whatever the class counts say (they may be 1 + the largest id).
    query_ids_ = queries.class_ids().data();
    database_ids_ = database.class_ids().data();
    return;
  }
  HG_CHECK(queries.num_classes() == database.num_classes(), "query labels have ",
           queries.num_classes(), " classes but database labels have ", database.num_classes());
  words_ = (queries.num_classes() + 63) / 64;
  query_bits_ = pack_rows(queries, words_);
  database_bits_ = pack_rows(database, words_);
}

Tensor similarity_matrix(const Labels& a, const Labels& b) {
  RelevanceTable relevance(a, b);
  Tensor result = Tensor::empty({a.count(), b.count()});
  float* out = result.data<float>();
  const int64_t rows = a.count(), columns = b.count();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < columns; ++j) out[i * columns + j] = relevance.relevant(i, j) ? 1 : 0;
  return result;
}

}  // namespace hg
