// Encoding a dataset with a trained model (see encode.h).
#include "train/encode.h"

#include "autograd/node.h"
#include "data/loader.h"
#include "data/progress.h"
#include "hashing/bit_packing.h"
#include "tensor/ops.h"

namespace hg {

EncodedSet encode_dataset(hashing::HashModel& model, std::shared_ptr<const data::Dataset> dataset,
                          const data::Pipeline& pipeline, const EncodeOptions& options) {
  NoGradGuard no_grad;
  bool was_training = model.is_training();
  model.eval();
  data::LoaderOptions loader_options;
  loader_options.batch_size = options.batch_size;
  loader_options.shuffle = false;
  loader_options.workers = options.workers;
  loader_options.device = model.device();
  int64_t n = dataset->size();
  data::Loader loader(dataset, pipeline, loader_options);
  loader.start_epoch(0);

  EncodedSet result;
  result.codes = Tensor::empty({n, model.bits()}, DType::f32);
  if (options.keep_features) result.features = Tensor::empty({n, model.feature_dim()}, DType::f32);
  data::ProgressBar progress(options.progress_label, n);
  data::Batch batch;
  int64_t done = 0;
  while (loader.next(batch)) {
    hashing::HashOutput output = model.run(batch.images);
    int64_t count = batch.images.size(0);
    ops::copy_(ops::narrow(result.codes, 0, done, count),
               hashing::binarize(output.relaxed, model.activation()).to(Device::cpu));
    if (options.keep_features)
      ops::copy_(ops::narrow(result.features, 0, done, count), output.features.to(Device::cpu));
    done += count;
    progress.advance(count);
  }
  progress.finish();
  model.train(was_training);
  HG_CHECK(done == n, "encode: the loader gave ", done, " of ", n, " items of ", dataset->name());
  return result;
}

hashing::CodeSet to_code_set(const Tensor& codes, const Labels& labels) {
  Tensor packed_input = codes.to(Device::cpu).to(DType::f32).contiguous();
  int bits = static_cast<int>(codes.size(1));
  int64_t n = codes.size(0);
  std::vector<uint64_t> words(static_cast<size_t>(n * hashing::words_per_code(bits)));
  hashing::pack_signs(packed_input.data<float>(), n, bits, words.data());
  return hashing::CodeSet::from_words(bits, std::move(words), labels);
}

}  // namespace hg
