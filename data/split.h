// Index-level split protocols: which items of a pool become queries, database and training
// images (DESIGN §5). protocol.h turns these index lists into datasets.
//
// Every choice is a seeded Fisher–Yates shuffle (random.h), so a seed gives the same split on
// every machine. Each returned list is sorted ascending: the database keeps the pool's order
// (ties in Hamming ranking are broken by database index), and the loader shuffles training
// data anyway.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/labels.h"

namespace hg::data {

struct SplitIndices {
  std::vector<int64_t> query, database, train;
};

struct PerClassCounts {
  int64_t query_per_class = 100;
  int64_t train_per_class = 500;
  // true: training images are drawn from the database (cifar10-1, ADSH); false: they are held
  // out of it (cifar10 of DeepHash-pytorch).
  bool train_in_database = false;
};

// For each class c in order: shuffle the pool's items of class c (in index order, one Random
// seeded with `seed` for all classes), take the first query_per_class as queries, the next
// train_per_class as training images, the rest as database (plus the training images when
// train_in_database). Single-label pools only; a class with too few items is an error.
SplitIndices split_per_class(const Labels& labels, const PerClassCounts& counts, uint64_t seed);

// For multi-label pools (NUS-WIDE style): shuffle 0..count−1, the first num_query are queries,
// the rest the database; the first num_train of the shuffled database (after the queries) are
// the training images, so training ⊂ database.
SplitIndices split_random(int64_t count, int64_t num_query, int64_t num_train, uint64_t seed);

// `total` items of a single-label pool, balanced over classes: class c gets ⌊total/C⌋ items,
// plus one for the first total mod C classes, each class's items a seeded shuffle's first ones.
std::vector<int64_t> sample_per_class(const Labels& labels, int64_t total, uint64_t seed);

}  // namespace hg::data
