// Building the query / database / training datasets of each protocol (see protocol.h).
#include "data/protocol.h"

#include <algorithm>
#include <unordered_map>

#include "data/cifar.h"
#include "data/idx.h"

namespace hg::data {

namespace {

// Position of each of `items` in the sorted `database`, or −1.
std::vector<int64_t> positions_in(const std::vector<int64_t>& database,
                                  const std::vector<int64_t>& items) {
  std::vector<int64_t> positions;
  for (int64_t item : items) {
    auto found = std::lower_bound(database.begin(), database.end(), item);
    positions.push_back(found != database.end() && *found == item ? found - database.begin() : -1);
  }
  return positions;
}

std::shared_ptr<const Dataset> subset(const std::shared_ptr<const Dataset>& pool,
                                      std::vector<int64_t> indices, const char* role) {
  std::string name = pool->name() + " (" + role + ")";
  return std::make_shared<SubsetDataset>(pool, std::move(indices), std::move(name));
}

RetrievalData given_lists(const ProtocolConfig& config) {
  auto query = ImageListDataset::from_list(config.query_list, config.images);
  auto database = ImageListDataset::from_list(config.database_list, config.images);
  if (config.train_list.empty()) {
    RetrievalData data{query, database, database, {}};
    for (int64_t i = 0; i < database->size(); ++i) data.train_in_database.push_back(i);
    return data;
  }
  auto train = ImageListDataset::from_list(config.train_list, config.images);
  // Training images are matched to database images by their resolved file path.
  std::unordered_map<std::string, int64_t> database_position;
  for (int64_t i = 0; i < database->size(); ++i) database_position.emplace(database->path(i), i);
  RetrievalData data{query, database, train, {}};
  for (int64_t i = 0; i < train->size(); ++i) {
    auto found = database_position.find(train->path(i));
    data.train_in_database.push_back(found == database_position.end() ? -1 : found->second);
  }
  return data;
}

RetrievalData split_list(const ProtocolConfig& config) {
  std::shared_ptr<const Dataset> pool = ImageListDataset::from_list(config.list, config.images);
  SplitIndices split =
      pool->multi_label()
          ? split_random(pool->size(), config.num_query, config.num_train, config.seed)
          : split_per_class(pool->labels(), config.per_class, config.seed);
  return split_pool(pool, split);
}

}  // namespace

Protocol parse_protocol(const std::string& name) {
  for (Protocol protocol : {Protocol::fmnist, Protocol::cifar10, Protocol::cifar10_1,
                            Protocol::cifar10_2, Protocol::list})
    if (name == protocol_name(protocol)) return protocol;
  throw Error("unknown protocol '" + name + "' (fmnist, cifar10, cifar10-1, cifar10-2 or list)");
}

const char* protocol_name(Protocol protocol) {
  switch (protocol) {
    case Protocol::fmnist:
      return "fmnist";
    case Protocol::cifar10:
      return "cifar10";
    case Protocol::cifar10_1:
      return "cifar10-1";
    case Protocol::cifar10_2:
      return "cifar10-2";
    case Protocol::list:
      return "list";
  }
  return "?";
}

RetrievalData test_set_protocol(std::shared_ptr<const Dataset> train,
                                std::shared_ptr<const Dataset> test, int64_t num_train,
                                uint64_t seed) {
  HG_CHECK(num_train >= 0, "num_train must be ≥ 0 (0: every database image), got ", num_train);
  RetrievalData data{test, train, train, {}};
  if (num_train == 0 || num_train == train->size()) {
    for (int64_t i = 0; i < train->size(); ++i) data.train_in_database.push_back(i);
    return data;
  }
  // The database is the whole training set, so a sampled index is its database position.
  data.train_in_database = sample_per_class(train->labels(), num_train, seed);
  data.train = subset(train, data.train_in_database, "training");
  return data;
}

RetrievalData cifar10_protocol(Protocol protocol, std::shared_ptr<const Dataset> train,
                               std::shared_ptr<const Dataset> test, uint64_t seed) {
  HG_CHECK(protocol == Protocol::cifar10 || protocol == Protocol::cifar10_1,
           "cifar10_protocol: splits the pool for cifar10 and cifar10-1, not ",
           protocol_name(protocol));
  auto pool = std::make_shared<ConcatDataset>(train, test, train->name() + " + " + test->name());
  PerClassCounts counts{100, 500, protocol == Protocol::cifar10_1};
  return split_pool(pool, split_per_class(pool->labels(), counts, seed));
}

RetrievalData split_pool(std::shared_ptr<const Dataset> pool, const SplitIndices& split) {
  RetrievalData data;
  data.train_in_database = positions_in(split.database, split.train);
  data.query = subset(pool, split.query, "query");
  data.database = subset(pool, split.database, "database");
  data.train = subset(pool, split.train, "training");
  return data;
}

namespace {
// The first `limit` items of `pool` (all of them when limit is 0 or not smaller).
std::shared_ptr<const Dataset> first_items(std::shared_ptr<const Dataset> pool, int64_t limit) {
  HG_CHECK(limit >= 0, "a slice limit must be ≥ 0, got ", limit);
  if (limit == 0 || limit >= pool->size()) return pool;
  std::vector<int64_t> indices(static_cast<size_t>(limit));
  for (int64_t i = 0; i < limit; ++i) indices[i] = i;
  return std::make_shared<SubsetDataset>(pool, std::move(indices), pool->name());
}
}  // namespace

RetrievalData load_protocol(const ProtocolConfig& config) {
  switch (config.protocol) {
    case Protocol::fmnist: {
      FashionMnist sets =
          load_fashion_mnist(config.root.empty() ? fashion_mnist_directory() : config.root);
      return test_set_protocol(first_items(sets.train, config.max_database),
                               first_items(sets.test, config.max_query), config.num_train,
                               config.seed);
    }
    case Protocol::cifar10:
    case Protocol::cifar10_1:
    case Protocol::cifar10_2: {
      HG_CHECK(!config.root.empty(), protocol_name(config.protocol),
               ": set the data root to the folder of the CIFAR-10 binary batches");
      CifarSets sets = load_cifar10(config.root);
      if (config.protocol == Protocol::cifar10_2)
        return test_set_protocol(first_items(sets.train, config.max_database),
                                 first_items(sets.test, config.max_query), config.num_train,
                                 config.seed);
      return cifar10_protocol(config.protocol, sets.train, sets.test, config.seed);
    }
    case Protocol::list:
      if (!config.list.empty()) return split_list(config);
      HG_CHECK(!config.query_list.empty() && !config.database_list.empty(),
               "list protocol: give a query list and a database list (and optionally a "
               "training list), or one list to split");
      return given_lists(config);
  }
  throw Error("unknown protocol");
}

}  // namespace hg::data
