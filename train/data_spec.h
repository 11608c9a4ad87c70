// Which images a command reads (`hashgrad encode --data SPEC`, `hashgrad search
// --index-images SPEC`), in one short string:
//
//   fmnist:query            a part of a protocol (DESIGN §5) with its default settings (seed 0,
//   fmnist:database@DIR     whole sets); parts: query, database, train. fmnist reads the IDX
//   cifar10-1:train@DIR     files of DIR or the Debian package's; the cifar protocols need DIR,
//                           the folder of the CIFAR-10 binary batches
//   run:query@RUN_DIR       a part of the protocol a training run recorded in RUN_DIR/config.txt
//                           (its data root, seed, slices and lists): the images of that run's
//                           query.codes and database.codes, item for item
//   list:images.txt         an image list (data/image_list.h), read as the model wants it
//
// Code ids are item numbers in the part, so a code file's id i is image i of its spec.
#pragma once

#include <memory>
#include <string>

#include "data/dataset.h"
#include "data/protocol.h"
#include "train/trained_model.h"

namespace hg {

struct DataSpec {
  std::string source;  // fmnist, cifar10, cifar10-1, cifar10-2, run or list
  std::string part;    // query, database or train (not for list)
  std::string path;    // the data folder, run directory or list file ("": the default)
};

// Parses SPEC; a bad one is an error that names `flag` and shows the forms above.
DataSpec parse_data_spec(const std::string& text, const std::string& flag);

// The protocol a run directory's config.txt records.
data::ProtocolConfig run_protocol(const std::string& run_directory);

// How a model reads an image list: resized to its input size when it has no eval_transforms,
// else each image at its own size (JPEGs shrunk in decoding no further than the transforms allow).
data::ImageListOptions list_options(const ModelDescription& description);

// The dataset of a spec; a list is read with `list` options (list_options of the model: with
// channels 0 a list is refused, as there is no model to read it for).
std::shared_ptr<const data::Dataset> load_data_spec(const DataSpec& spec,
                                                    const data::ImageListOptions& list);

}  // namespace hg
