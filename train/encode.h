// Encoding: a trained HashModel run over a dataset, in batches, in evaluation mode, giving
// the ±1 codes (and the backbone features, for AM-VGGH's re-ranking) of every item in order.
#pragma once

#include <memory>
#include <string>

#include "data/dataset.h"
#include "data/transforms.h"
#include "hashing/code_file.h"
#include "hashing/hash_model.h"

namespace hg {

struct EncodedSet {
  Tensor codes;     // f32 [n, c] of ±1, on the CPU
  Tensor features;  // f32 [n, F] on the CPU, when asked for
};

struct EncodeOptions {
  int64_t batch_size = 256;
  int workers = 2;
  bool keep_features = false;
  std::string progress_label = "encode";
};

// `pipeline` makes the model's input from the dataset's images: evaluation_pipeline
// (trained_model.h), with the training normalization.
EncodedSet encode_dataset(hashing::HashModel& model, std::shared_ptr<const data::Dataset> dataset,
                          const data::Pipeline& pipeline, const EncodeOptions& options);

// Packs ±1 codes into a CodeSet with the dataset's labels (class ids or multi-hot rows) and
// ids 0..n−1, ready for write_code_file or a HammingIndex.
hashing::CodeSet to_code_set(const Tensor& codes, const Labels& labels);

}  // namespace hg
