// Retrieval protocols (DESIGN §5): the query, database and training datasets of an experiment.
//
//   fmnist     queries = the 10,000 Fashion-MNIST test images, database = the 60,000 training
//              images; training images = the database, or a per-class sample of num_train
//              of them.
//   cifar10    pool = CIFAR-10 train + test (60,000); per class 100 queries and 500 training
//              images; database = the other 5,400 per class: 1,000 / 5,000 / 54,000, training
//              images held out of the database (DeepHash-pytorch "cifar10").
//   cifar10-1  pool as cifar10; per class 100 queries, database = the other 5,900, training
//              images = 500 per class drawn from the database (ADSH, DeepHash-pytorch
//              "cifar10-1"): 1,000 / 59,000 / 5,000.
//   cifar10-2  queries = the 10,000 test images, database = the 50,000 training images,
//              training images = the database (or num_train of it, as fmnist).
//   list       image lists: a query list and a database list (and optionally a training list,
//              else training = database); or one list split like cifar10 for single-label data
//              (query_per_class / train_per_class) or, for multi-label data, num_query random
//              queries, the rest database, num_train training images drawn from the database.
// Every random choice is seeded (split.h), so a seed gives the same split on every machine.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/image_list.h"
#include "data/split.h"

namespace hg::data {

enum class Protocol { fmnist, cifar10, cifar10_1, cifar10_2, list };

// "fmnist", "cifar10", "cifar10-1", "cifar10-2", "list"; throws listing them.
Protocol parse_protocol(const std::string& name);
const char* protocol_name(Protocol protocol);

struct RetrievalData {
  std::shared_ptr<const Dataset> query, database, train;
  // For each training item, its position in the database, or −1 when it is not in it. ADSH's
  // code update needs it: the database codes of training images are its variables V.
  std::vector<int64_t> train_in_database;
};

struct ProtocolConfig {
  Protocol protocol = Protocol::fmnist;
  // fmnist: the IDX folder (empty: /usr/share/datasets/fashion-mnist); cifar*: the folder of
  // the binary batches.
  std::string root;
  uint64_t seed = 0;
  // fmnist, cifar10-2: training images per-class-sampled from the database (0: all of it).
  // list, multi-label: the training images drawn from the database.
  int64_t num_train = 0;
  int64_t num_query = 0;  // list, multi-label: the number of queries
  // fmnist, cifar10-2: keep only the first N test (query) and training (database) images, for
  // small slices in tests and quick runs (0: all).
  int64_t max_query = 0, max_database = 0;
  PerClassCounts per_class;  // list, single-label
  // list: either query_list + database_list (+ train_list), or list alone to be split.
  std::string query_list, database_list, train_list, list;
  ImageListOptions images;  // list: image size, channels, labels, caching
};

RetrievalData load_protocol(const ProtocolConfig& config);

// Queries = `test`, database = `train`, training = `train` or its per-class sample of
// num_train (fmnist, cifar10-2).
RetrievalData test_set_protocol(std::shared_ptr<const Dataset> train,
                                std::shared_ptr<const Dataset> test, int64_t num_train,
                                uint64_t seed);
// cifar10 or cifar10-1 on the pool `train` + `test`.
RetrievalData cifar10_protocol(Protocol protocol, std::shared_ptr<const Dataset> train,
                               std::shared_ptr<const Dataset> test, uint64_t seed);
// The three subsets of `pool` that `split` names.
RetrievalData split_pool(std::shared_ptr<const Dataset> pool, const SplitIndices& split);

}  // namespace hg::data
