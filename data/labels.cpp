// Label matrices, their gathers and the share-a-label similarity (see labels.h).
#include "data/labels.h"

#include <cstring>

namespace hg::data {

Labels Labels::from_class_ids(std::vector<int32_t> class_ids, int num_classes) {
  HG_CHECK(num_classes > 0, "labels: num_classes must be positive, got ", num_classes);
  Labels labels;
  labels.count_ = static_cast<int64_t>(class_ids.size());
  labels.num_classes_ = num_classes;
  labels.matrix_.assign(class_ids.size() * num_classes, 0);
  for (size_t i = 0; i < class_ids.size(); ++i) {
    HG_CHECK(class_ids[i] >= 0 && class_ids[i] < num_classes, "labels: item ", i, " has class ",
             class_ids[i], ", outside [0, ", num_classes, ")");
    labels.matrix_[i * num_classes + class_ids[i]] = 1;
  }
  labels.class_ids_ = std::move(class_ids);
  return labels;
}

Labels Labels::from_multi_hot(std::vector<uint8_t> matrix, int num_classes) {
  HG_CHECK(num_classes > 0, "labels: num_classes must be positive, got ", num_classes);
  HG_CHECK(matrix.size() % num_classes == 0, "labels: a multi-hot matrix of ", matrix.size(),
           " values is not a whole number of rows of ", num_classes);
  for (size_t i = 0; i < matrix.size(); ++i)
    HG_CHECK(matrix[i] <= 1, "labels: multi-hot value ", int{matrix[i]}, " at item ",
             i / num_classes, ", class ", i % num_classes, " is not 0 or 1");
  Labels labels;
  labels.count_ = static_cast<int64_t>(matrix.size() / num_classes);
  labels.num_classes_ = num_classes;
  labels.multi_label_ = true;
  labels.matrix_ = std::move(matrix);
  return labels;
}

const uint8_t* Labels::row(int64_t index) const {
  HG_CHECK(index >= 0 && index < count_, "labels: item ", index, " out of range [0, ", count_, ")");
  return matrix_.data() + index * num_classes_;
}

int32_t Labels::class_id(int64_t index) const {
  HG_CHECK(index >= 0 && index < count_, "labels: item ", index, " out of range [0, ", count_, ")");
  return class_ids()[index];
}

const std::vector<int32_t>& Labels::class_ids() const {
  HG_CHECK(!multi_label_, "labels: class ids asked of multi-label data (use the label matrix)");
  return class_ids_;
}

Labels Labels::gather(const std::vector<int64_t>& indices) const {
  Labels result;
  result.count_ = static_cast<int64_t>(indices.size());
  result.num_classes_ = num_classes_;
  result.multi_label_ = multi_label_;
  result.matrix_.resize(indices.size() * num_classes_);
  if (!multi_label_) result.class_ids_.resize(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    std::memcpy(result.matrix_.data() + i * num_classes_, row(indices[i]), num_classes_);
    if (!multi_label_) result.class_ids_[i] = class_ids_[indices[i]];
  }
  return result;
}

Labels Labels::concat(const Labels& other) const {
  HG_CHECK(num_classes_ == other.num_classes_ && multi_label_ == other.multi_label_,
           "labels: cannot concatenate ", num_classes_, "-class ",
           multi_label_ ? "multi" : "single", "-label data with ", other.num_classes_, "-class ",
           other.multi_label_ ? "multi" : "single", "-label data");
  Labels result = *this;
  result.count_ += other.count_;
  result.matrix_.insert(result.matrix_.end(), other.matrix_.begin(), other.matrix_.end());
  result.class_ids_.insert(result.class_ids_.end(), other.class_ids_.begin(),
                           other.class_ids_.end());
  return result;
}

Tensor Labels::matrix_tensor(DType dtype) const {
  HG_CHECK(dtype == DType::u8 || dtype == DType::f32,
           "labels: the label matrix comes as u8 or f32, not ", dtype_name(dtype));
  Tensor bytes = Tensor::from_vector(matrix_, {count_, num_classes_});
  return dtype == DType::u8 ? bytes : bytes.to(DType::f32);
}

Tensor Labels::class_id_tensor() const {
  const std::vector<int32_t>& ids = class_ids();
  return Tensor::from_vector(std::vector<int64_t>(ids.begin(), ids.end()), {count_});
}

bool similar(const Labels& a, int64_t i, const Labels& b, int64_t j) {
  HG_CHECK(a.num_classes() == b.num_classes(), "similar: ", a.num_classes(), "-class labels and ",
           b.num_classes(), "-class labels cannot be compared");
  if (!a.multi_label() && !b.multi_label()) return a.class_id(i) == b.class_id(j);
  const uint8_t* row_a = a.row(i);
  const uint8_t* row_b = b.row(j);
  for (int k = 0; k < a.num_classes(); ++k)
    if (row_a[k] && row_b[k]) return true;
  return false;
}

Tensor similarity_matrix(const Labels& a, const Labels& b) {
  HG_CHECK(a.num_classes() == b.num_classes(), "similarity_matrix: ", a.num_classes(),
           "-class labels and ", b.num_classes(), "-class labels cannot be compared");
  Tensor result = Tensor::empty({a.count(), b.count()});
  float* out = result.data<float>();
  const int64_t rows = a.count(), columns = b.count();
  const int classes = a.num_classes();
  const uint8_t* matrix_a = a.matrix().data();
  const uint8_t* matrix_b = b.matrix().data();
  // The multi-hot rows decide for every kind of data (a single-label row has one 1), so one
  // loop serves both; row i of `a` is compared with every row of `b`.
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < rows; ++i) {
    const uint8_t* row_a = matrix_a + i * classes;
    for (int64_t j = 0; j < columns; ++j) {
      const uint8_t* row_b = matrix_b + j * classes;
      uint8_t shared = 0;
      for (int k = 0; k < classes; ++k) shared |= row_a[k] & row_b[k];
      out[i * columns + j] = shared ? 1.f : 0.f;
    }
  }
  return result;
}

}  // namespace hg::data
