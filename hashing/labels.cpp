// Label validation and the relevance table (see labels.h).
#include "hashing/labels.h"

#include <algorithm>

#include "cuda/error.h"

namespace hg::hashing {

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

Labels Labels::from_class_ids(std::vector<int32_t> ids) {
  Labels labels;
  labels.layout = LabelLayout::class_ids;
  labels.count = static_cast<int64_t>(ids.size());
  int32_t largest = -1;
  for (int32_t id : ids) largest = std::max(largest, id);
  labels.num_classes = static_cast<int64_t>(largest) + 1;
  labels.class_ids = std::move(ids);
  return labels;
}

Labels Labels::from_multi_hot(std::vector<uint8_t> rows, int64_t count, int64_t num_classes) {
  Labels labels;
  labels.layout = LabelLayout::multi_hot;
  labels.count = count;
  labels.num_classes = num_classes;
  labels.multi_hot = std::move(rows);
  return labels;
}

void validate_labels(const Labels& labels, const std::string& what) {
  switch (labels.layout) {
    case LabelLayout::none:
      HG_CHECK(labels.count == 0, what, ": layout none but ", labels.count, " labels");
      return;
    case LabelLayout::class_ids:
      HG_CHECK(static_cast<int64_t>(labels.class_ids.size()) == labels.count, what, ": ",
               labels.class_ids.size(), " class ids for ", labels.count, " items");
      for (size_t i = 0; i < labels.class_ids.size(); ++i)
        HG_CHECK(labels.class_ids[i] >= 0, what, ": class id ", labels.class_ids[i], " of item ", i,
                 " is negative");
      return;
    case LabelLayout::multi_hot:
      HG_CHECK(labels.num_classes > 0, what,
               ": a multi-hot label matrix needs at least one column");
      HG_CHECK(static_cast<int64_t>(labels.multi_hot.size()) == labels.count * labels.num_classes,
               what, ": ", labels.multi_hot.size(), " multi-hot values for ", labels.count,
               " items × ", labels.num_classes, " classes");
      for (size_t i = 0; i < labels.multi_hot.size(); ++i)
        HG_CHECK(labels.multi_hot[i] <= 1, what, ": multi-hot value ",
                 static_cast<int>(labels.multi_hot[i]), " at item ",
                 i / static_cast<size_t>(labels.num_classes), ", class ",
                 i % static_cast<size_t>(labels.num_classes), " is not 0 or 1");
      return;
  }
  throw Error(what + ": unknown label layout");
}

void check_comparable(const Labels& queries, const Labels& database) {
  HG_CHECK(!queries.empty() && !database.empty(),
           "relevance needs labels for both queries and database (queries: ",
           label_layout_name(queries.layout), ", database: ", label_layout_name(database.layout),
           ")");
  HG_CHECK(queries.layout == database.layout, "query labels are ",
           label_layout_name(queries.layout), " but database labels are ",
           label_layout_name(database.layout), ": both must use the same layout");
  HG_CHECK(queries.layout != LabelLayout::multi_hot || queries.num_classes == database.num_classes,
           "query labels have ", queries.num_classes, " classes but database labels have ",
           database.num_classes);
}

namespace {

// Row i of a 0/1 matrix as bits: class c of item i is bit c % 64 of word i·words + c / 64.
std::vector<uint64_t> pack_rows(const Labels& labels, int64_t words) {
  std::vector<uint64_t> bits(static_cast<size_t>(labels.count * words), 0);
  for (int64_t i = 0; i < labels.count; ++i)
    for (int64_t c = 0; c < labels.num_classes; ++c)
      if (labels.multi_hot[i * labels.num_classes + c] != 0)
        bits[i * words + c / 64] |= uint64_t{1} << (c % 64);
  return bits;
}

}  // namespace

RelevanceTable::RelevanceTable(const Labels& queries, const Labels& database) {
  check_comparable(queries, database);
  class_ids_ = queries.layout == LabelLayout::class_ids;
  if (class_ids_) {
    query_ids_ = queries.class_ids.data();
    database_ids_ = database.class_ids.data();
    return;
  }
  words_ = (queries.num_classes + 63) / 64;
  query_bits_ = pack_rows(queries, words_);
  database_bits_ = pack_rows(database, words_);
}

}  // namespace hg::hashing
