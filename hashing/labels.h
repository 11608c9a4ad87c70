// Class labels of coded items, and what "relevant" means between a query and a database item.
//
// Two layouts cover the protocols of DESIGN §5:
//   class_ids  one int class id per item (fmnist, CIFAR-10): relevant = same class;
//   multi_hot  a 0/1 row of num_classes per item (NUS-WIDE style): relevant = the rows share
//              at least one label.
// Code files, .npy files and the metrics all speak this one struct.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hg::hashing {

// The numeric values are the code file's label-layout field (DESIGN §6): do not renumber.
enum class LabelLayout : uint32_t { none = 0, class_ids = 1, multi_hot = 2 };

const char* label_layout_name(LabelLayout layout);

struct Labels {
  LabelLayout layout = LabelLayout::none;
  int64_t count = 0;               // items labelled (0 when layout is none)
  int64_t num_classes = 0;         // multi_hot: columns; class_ids: 1 + the largest id
  std::vector<int32_t> class_ids;  // class_ids layout: `count` ids, each ≥ 0
  std::vector<uint8_t> multi_hot;  // multi_hot layout: count × num_classes, each 0 or 1

  bool empty() const { return layout == LabelLayout::none; }

  static Labels from_class_ids(std::vector<int32_t> ids);
  static Labels from_multi_hot(std::vector<uint8_t> rows, int64_t count, int64_t num_classes);
};

// Throws unless the sizes agree and every value is in range; `what` names the labels in the
// message ("labels of queries.npy").
void validate_labels(const Labels& labels, const std::string& what);

// Throws unless query and database labels can be compared: same layout, and the same number of
// columns when multi-hot. The message names both.
void check_comparable(const Labels& queries, const Labels& database);

// Relevance of database items to one query, precomputed so that the test per item is one
// comparison (class ids) or an AND over a few 64-bit words (multi-hot rows packed as bits).
class RelevanceTable {
 public:
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

}  // namespace hg::hashing
