// The seeded split protocols (see split.h).
#include "data/split.h"

#include <algorithm>

#include "data/random.h"

namespace hg::data {

namespace {

// The items of each class, in index order.
std::vector<std::vector<int64_t>> items_by_class(const Labels& labels, const char* what) {
  HG_CHECK(!labels.multi_label(), what,
           ": per-class sampling needs single-label data (use num_query / num_train sampling "
           "for multi-label data)");
  std::vector<std::vector<int64_t>> by_class(static_cast<size_t>(labels.num_classes()));
  const std::vector<int32_t>& ids = labels.class_ids();
  for (size_t i = 0; i < ids.size(); ++i) by_class[ids[i]].push_back(static_cast<int64_t>(i));
  return by_class;
}

void sort_all(SplitIndices& split) {
  std::sort(split.query.begin(), split.query.end());
  std::sort(split.database.begin(), split.database.end());
  std::sort(split.train.begin(), split.train.end());
}

}  // namespace

SplitIndices split_per_class(const Labels& labels, const PerClassCounts& counts, uint64_t seed) {
  HG_CHECK(counts.query_per_class >= 0 && counts.train_per_class >= 0,
           "split_per_class: counts must be ≥ 0, got ", counts.query_per_class, " query and ",
           counts.train_per_class, " train per class");
  std::vector<std::vector<int64_t>> by_class = items_by_class(labels, "split_per_class");
  Random random(seed);
  SplitIndices split;
  const int64_t needed = counts.query_per_class + counts.train_per_class;
  for (size_t c = 0; c < by_class.size(); ++c) {
    std::vector<int64_t>& items = by_class[c];
    HG_CHECK(static_cast<int64_t>(items.size()) >= needed, "split_per_class: class ", c, " has ",
             items.size(), " items, but the protocol takes ", counts.query_per_class, " query + ",
             counts.train_per_class, " training images per class");
    random.shuffle(items);
    auto train_begin = items.begin() + counts.query_per_class;
    auto train_end = train_begin + counts.train_per_class;
    split.query.insert(split.query.end(), items.begin(), train_begin);
    split.train.insert(split.train.end(), train_begin, train_end);
    split.database.insert(split.database.end(), counts.train_in_database ? train_begin : train_end,
                          items.end());
  }
  sort_all(split);
  return split;
}

SplitIndices split_random(int64_t count, int64_t num_query, int64_t num_train, uint64_t seed) {
  HG_CHECK(num_query >= 0 && num_train >= 0 && num_query < count && num_train <= count - num_query,
           "split_random: cannot take ", num_query, " queries and ", num_train,
           " training images (from the database) out of ", count, " items");
  std::vector<int64_t> order(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) order[i] = i;
  Random random(seed);
  random.shuffle(order);
  SplitIndices split;
  split.query.assign(order.begin(), order.begin() + num_query);
  split.database.assign(order.begin() + num_query, order.end());
  split.train.assign(order.begin() + num_query, order.begin() + num_query + num_train);
  sort_all(split);
  return split;
}

std::vector<int64_t> sample_per_class(const Labels& labels, int64_t total, uint64_t seed) {
  std::vector<std::vector<int64_t>> by_class = items_by_class(labels, "sample_per_class");
  const int64_t classes = static_cast<int64_t>(by_class.size());
  HG_CHECK(total > 0 && total <= labels.count(), "sample_per_class: cannot sample ", total, " of ",
           labels.count(), " items");
  Random random(seed);
  std::vector<int64_t> sample;
  for (int64_t c = 0; c < classes; ++c) {
    const int64_t wanted = total / classes + (c < total % classes ? 1 : 0);
    std::vector<int64_t>& items = by_class[c];
    HG_CHECK(static_cast<int64_t>(items.size()) >= wanted, "sample_per_class: class ", c, " has ",
             items.size(), " items, but a balanced sample of ", total, " takes ", wanted);
    random.shuffle(items);
    sample.insert(sample.end(), items.begin(), items.begin() + wanted);
  }
  std::sort(sample.begin(), sample.end());
  return sample;
}

}  // namespace hg::data
