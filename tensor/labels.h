// Class labels of items (images, codes) and what "relevant" means between two of them.
//
// One type serves the datasets of data/ and the code files and metrics of hashing/, so it sits
// in the lowest layer both may use. Three layouts (DESIGN §5, §6):
//   class_ids  one class id per item (fmnist, CIFAR-10): relevant = same class;
//   multi_hot  a 0/1 row of num_classes per item (NUS-WIDE style): relevant = the rows share at
//              least one class;
//   none       no labels (codes of images given on the command line).
// A class id is the one-hot row with a 1 at that id, so both labelled layouts read as a label
// matrix of count × num_classes bytes; only the multi-hot layout stores one, since n × classes
// bytes of one-hot rows would dwarf n ids for data with many classes.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace hg {

// The numeric values are the code file's label-layout field (DESIGN §6): do not renumber.
enum class LabelLayout : uint32_t { none = 0, class_ids = 1, multi_hot = 2 };

const char* label_layout_name(LabelLayout layout);  // "none", "class ids", "multi-hot"

class Labels {
 public:
  Labels() = default;  // no labels: layout none, count 0
  // One class per item; every id must lie in [0, num_classes). num_classes 0 takes 1 + the
  // largest id (labels read from files that do not say how many classes there are).
  static Labels from_class_ids(std::vector<int32_t> class_ids, int64_t num_classes = 0);
  // A multi-hot matrix, row-major, values 0 or 1, size a multiple of num_classes.
  static Labels from_multi_hot(std::vector<uint8_t> matrix, int64_t num_classes);

  LabelLayout layout() const { return layout_; }
  bool empty() const { return layout_ == LabelLayout::none; }  // no labels at all
  bool multi_label() const { return layout_ == LabelLayout::multi_hot; }
  int64_t count() const { return count_; }  // items labelled (0 without labels)
  int64_t num_classes() const { return num_classes_; }

  // The class of a single-label item, and all of them (throw for other layouts).
  int32_t class_id(int64_t index) const;
  const std::vector<int32_t>& class_ids() const;
  // The classes item `index` has, ascending: one for a class id, any number for a multi-hot row.
  std::vector<int64_t> classes_of(int64_t index) const;
  // Item `index`'s row of the label matrix (num_classes bytes of 0 or 1).
  std::vector<uint8_t> row(int64_t index) const;
  // The whole label matrix, count × num_classes, row-major (one-hot rows for class ids).
  std::vector<uint8_t> matrix() const;

  // The rows at `indices`, in that order (no labels stay no labels).
  Labels gather(const std::vector<int64_t>& indices) const;
  // These rows followed by those of `other` (same classes, same layout).
  Labels concat(const Labels& other) const;

  // The label matrix as an [n, num_classes] tensor of dtype u8 or f32 (CPU).
  Tensor matrix_tensor(DType dtype = DType::f32) const;
  // The class ids as an i64 [n] tensor (CPU); single-label only.
  Tensor class_id_tensor() const;

 private:
  void check_item(int64_t index) const;

  LabelLayout layout_ = LabelLayout::none;
  int64_t count_ = 0;
  int64_t num_classes_ = 0;
  std::vector<int32_t> class_ids_;  // class_ids layout: count ids
  std::vector<uint8_t> multi_hot_;  // multi_hot layout: count × num_classes values
};

// Who is relevant to whom: query i and database item j share at least one class. Precomputed so
// that the test per pair is one comparison (both sides class ids) or an AND over a few 64-bit
// words (the label rows packed as bits), which keeps the metrics' inner loop cheap. Both label
// sets must outlive the table.
class RelevanceTable {
 public:
  // Throws unless both sides have labels and, when either is multi-hot, the same classes.
  RelevanceTable(const Labels& queries, const Labels& database);
  bool relevant(int64_t query, int64_t item) const {
    if (class_ids_) return query_ids_[query] == database_ids_[item];
    const uint64_t* a = &query_bits_[query * words_];
    const uint64_t* b = &database_bits_[item * words_];
    for (int64_t w = 0; w < words_; ++w)
      if ((a[w] & b[w]) != 0) return true;
    return false;
  }

 private:
  bool class_ids_ = true;
  const int32_t* query_ids_ = nullptr;
  const int32_t* database_ids_ = nullptr;
  int64_t words_ = 0;
  std::vector<uint64_t> query_bits_, database_bits_;
};

// S[i, j] = 1 if item i of `a` and item j of `b` share a class, else 0: f32 [a.count, b.count]
// on the CPU. For big sets, gather() a block of rows first: 10,000 × 60,000 is 2.4 GB.
Tensor similarity_matrix(const Labels& a, const Labels& b);

}  // namespace hg
