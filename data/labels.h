// Labels of a dataset and the similarity rule of retrieval (DESIGN §5).
//
// Every dataset keeps its labels as a label matrix: n rows of num_classes bytes, 1 where the
// item has the class (multi-hot). Single-label datasets also keep the class id of each row,
// which the per-class split protocols and cross-entropy losses need. Two items are similar
// (relevant to each other) when they share at least one label; for single-label data that is
// "same class".
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace hg::data {

class Labels {
 public:
  Labels() = default;
  // One class per item; every id must lie in [0, num_classes).
  static Labels from_class_ids(std::vector<int32_t> class_ids, int num_classes);
  // A multi-hot matrix, row-major, values 0 or 1, size a multiple of num_classes.
  static Labels from_multi_hot(std::vector<uint8_t> matrix, int num_classes);

  int64_t count() const { return count_; }
  int num_classes() const { return num_classes_; }
  bool multi_label() const { return multi_label_; }
  const uint8_t* row(int64_t index) const;
  // The class of a single-label item (throws for multi-label data).
  int32_t class_id(int64_t index) const;
  const std::vector<int32_t>& class_ids() const;
  const std::vector<uint8_t>& matrix() const { return matrix_; }

  // The rows at `indices`, in that order.
  Labels gather(const std::vector<int64_t>& indices) const;
  // These rows followed by those of `other` (same classes, same kind).
  Labels concat(const Labels& other) const;

  // The label matrix as an [n, num_classes] tensor of dtype u8 or f32 (CPU).
  Tensor matrix_tensor(DType dtype = DType::f32) const;
  // The class ids as an i64 [n] tensor (CPU); single-label only.
  Tensor class_id_tensor() const;

 private:
  int64_t count_ = 0;
  int num_classes_ = 0;
  bool multi_label_ = false;
  std::vector<uint8_t> matrix_;
  std::vector<int32_t> class_ids_;  // empty for multi-label data
};

// Item i of `a` and item j of `b` are similar: they share at least one label.
bool similar(const Labels& a, int64_t i, const Labels& b, int64_t j);

// S[i, j] = 1 if item i of `a` and item j of `b` share a label, else 0: f32 [a.count, b.count]
// on the CPU. For big sets, gather() a block of rows first: 10,000 × 60,000 is 2.4 GB.
Tensor similarity_matrix(const Labels& a, const Labels& b);

}  // namespace hg::data
