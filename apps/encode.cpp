// `hashgrad encode`: a trained model's codes of a dataset, as a code file that `search`, `eval`
// and `export` read (and, with --features, the backbone features that AM-VGGH re-ranks by).
//
//   hashgrad encode --model runs/a48 --data fmnist:database --out fmnist_db.codes
//   hashgrad encode --model runs/a48 --data run:query@runs/a48 --out q.codes   # = query.codes
//   hashgrad encode --model runs/v/checkpoint.safetensors --data list:photos.txt
//                   --out photos.codes --features photos_features.npy --device cuda
//
// The model is a run directory (or its checkpoint beside model.json); --data is a data spec
// (train/data_spec.h). Batches run on the GPU when there is one, in evaluation mode, with the
// training normalization; code i gets id i and the dataset's labels.
#include <chrono>
#include <cstdio>

#include "apps/cli.h"
#include "apps/command.h"
#include "hashing/npy.h"
#include "train/data_spec.h"
#include "train/encode.h"
#include "train/trained_model.h"

namespace {

using namespace hg;

int run_encode(int argc, char** argv) {
  CLI::App app{"Encode a dataset into a code file with a trained model", "hashgrad encode"};
  std::string model_path, data_text, out, features_path, device_choice = "auto";
  int64_t batch_size = 256;
  int workers = 2;
  app.add_option("--model", model_path,
                 "the trained model: a run directory, or its checkpoint.safetensors")
      ->required()
      ->check(CLI::ExistingPath);
  app.add_option("--data", data_text,
                 "the images: fmnist:query|database|train[@DIR], cifar10-1:PART@DIR (cifar10, "
                 "cifar10-2 alike), run:PART@RUN_DIR, list:FILE")
      ->required();
  app.add_option("--out", out, "the code file to write")->required();
  app.add_option("--features", features_path,
                 "also write the backbone features as a .npy (float32 [n, dim]) for --rerank");
  app.add_option("--batch-size", batch_size, "images per batch")
      ->check(app::integer_in(1, 1 << 16))
      ->capture_default_str();
  app.add_option("--workers", workers, "loader threads")
      ->check(app::integer_in(1, 256))
      ->capture_default_str();
  app::add_device_option(app, device_choice, "where to run the model: cpu, cuda or auto");
  if (!app::parse_arguments(app, argc, argv)) return 0;

  DataSpec spec = parse_data_spec(data_text, "--data");
  Device device = app::chosen_device(device_choice);
  TrainedModel trained = load_trained_model(model_path, device);
  std::shared_ptr<const data::Dataset> dataset =
      load_data_spec(spec, list_options(trained.description));
  data::Pipeline pipeline =
      evaluation_pipeline(trained.description, dataset->image_size(), "--data " + data_text);

  auto start = std::chrono::steady_clock::now();
  EncodeOptions options;
  options.batch_size = batch_size;
  options.workers = workers;
  options.keep_features = !features_path.empty();
  EncodedSet encoded = encode_dataset(*trained.model, dataset, pipeline, options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  hashing::write_code_file(out, to_code_set(encoded.codes, dataset->labels()));
  if (options.keep_features) {
    Tensor features = encoded.features.contiguous();
    hashing::write_npy(features_path, "f4", features.shape(), features.data<float>());
  }
  std::printf(
      "encoded %lld images of %s into %lld-bit codes on %s in %.1f s (%.0f img/s): %s%s%s\n",
      static_cast<long long>(dataset->size()), dataset->name().c_str(),
      static_cast<long long>(trained.description.bits), device_name(device), seconds,
      static_cast<double>(dataset->size()) / std::max(seconds, 1e-9), out.c_str(),
      features_path.empty() ? "" : ", features: ", features_path.c_str());
  return 0;
}

}  // namespace

HG_COMMAND("encode", "encode a dataset into a code file with a trained model", run_encode);
