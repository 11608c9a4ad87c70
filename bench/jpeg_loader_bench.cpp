// JPEG loader throughput, the input side of fine-tuning an ImageNet backbone: images per second
// of decode + random_resized_crop(224) + horizontal flip + ImageNet normalization + batch over
// --images JPEGs of 500 × 375 (NUS-WIDE's and ImageNet's typical size), with --workers loader
// threads. The JPEGs are synthetic photographs (gradients, shapes, fine noise; quality 90, about
// 40 KB each) written once into --cache with a list file; a later run with the same count reuses
// them. Two hashgrad rows: JPEGs shrunk in the DCT domain to the crop's needs (the loader's
// default, data/jpeg_decoder.h) and decoded at full size; the decoder is libjpeg-turbo where the
// build has it, stb_image otherwise, and the report says which. bench/torch_loader_peer.py times
// PyTorch's DataLoader on the same files and adds its rows (bench/jpeg_loader.sh runs both).
//
//   bench_jpeg_loader_bench [--images 10000] [--workers 2] [--batch 64] [--epochs 2]
//                           [--cache DIR] [--results DIR]
//
// Writes DIR/loader-jpeg-<device>.json (default bench/results/) with the host's CPU, the GPU,
// the git commit, the date and the load average.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/bench_report.h"
#include "data/image_io.h"
#include "data/image_list.h"
#include "data/jpeg_decoder.h"
#include "data/loader.h"
#include "data/transform_spec.h"

namespace {

namespace fs = std::filesystem;
using hg::bench::Clock;
using hg::bench::seconds_since;

constexpr int kHeight = 375, kWidth = 500;
constexpr char kTransforms[] = "random_resized_crop(224) horizontal_flip(0.5)";

struct Settings {
  int images = 10000;
  int workers = 2;
  int64_t batch = 64;
  int epochs = 2;
  std::string cache = (fs::temp_directory_path() / "hashgrad-jpeg-loader-cache").string();
  std::string results = (hg::bench::repository_root() / "bench" / "results").string();
};

// A 500 × 375 picture: a sky-to-ground gradient, a few discs and bars whose places and colours
// depend on `seed`, and ±12 of noise, so that it compresses like a photograph.
hg::data::Image synthetic_photo(int seed) {
  hg::data::Image image(hg::data::ImageSize{kHeight, kWidth, 3});
  uint32_t state = static_cast<uint32_t>(seed) * 2654435761u + 7;
  auto next = [&] { return state = state * 1664525u + 1013904223u; };
  int disc_x = static_cast<int>(next() % kWidth), disc_y = static_cast<int>(next() % kHeight);
  int disc_r = 30 + static_cast<int>(next() % 90), hue = static_cast<int>(next() % 256);
  for (int y = 0; y < kHeight; ++y)
    for (int x = 0; x < kWidth; ++x) {
      uint8_t* pixel = image.at(y, x);
      const int noise = static_cast<int>(next() >> 27) - 12;
      const bool disc = (x - disc_x) * (x - disc_x) + (y - disc_y) * (y - disc_y) < disc_r * disc_r;
      const bool bar = ((x + seed) / 37) % 5 == 0 && y > kHeight / 2;
      const int base[3] = {disc ? hue : 90 + y / 4, disc ? 255 - hue : 120 + x / 8,
                           bar ? 40 : 200 - y / 3};
      for (int c = 0; c < 3; ++c)
        pixel[c] = static_cast<uint8_t>(std::clamp(base[c] + noise, 0, 255));
    }
  return image;
}

// The cache's list file, with its JPEGs made first when the folder does not hold `count`.
std::string prepare_cache(const fs::path& cache, int count) {
  const fs::path list = cache / "list.txt";
  const fs::path marker = cache / ("complete-" + std::to_string(count));
  if (fs::exists(marker)) return list.string();
  fs::create_directories(cache / "images");
  auto start = Clock::now();
#pragma omp parallel for schedule(dynamic, 16)
  for (int i = 0; i < count; ++i)
    hg::data::write_jpeg((cache / "images" / (std::to_string(i) + ".jpg")).string(),
                         synthetic_photo(i), 90);
  std::ofstream out(list);
  for (int i = 0; i < count; ++i) out << "images/" << i << ".jpg " << i % 10 << "\n";
  out.close();
  std::ofstream(marker) << "made\n";
  std::printf("made %d JPEGs of %dx%d in %s (%.1f s)\n", count, kWidth, kHeight,
              cache.string().c_str(), seconds_since(start));
  return list.string();
}

// Images per second of whole epochs (the best of `epochs`).
double loader_rate(hg::data::Loader& loader, int epochs) {
  double best = 0;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    auto start = Clock::now();
    loader.start_epoch(epoch);
    int64_t images = 0;
    for (hg::data::Batch batch; loader.next(batch);) images += batch.images.size(0);
    best = std::max(best, images / seconds_since(start));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) try {
  Settings settings;
  CLI::App app{"JPEG loader throughput at 224x224 with training augmentation",
               "bench_jpeg_loader_bench"};
  app.add_option("--images", settings.images, "JPEGs of 500x375")->capture_default_str();
  app.add_option("--workers", settings.workers, "loader threads")->capture_default_str();
  app.add_option("--batch", settings.batch, "images per batch")->capture_default_str();
  app.add_option("--epochs", settings.epochs, "epochs timed (the best is reported)")
      ->capture_default_str();
  app.add_option("--cache", settings.cache, "folder of the JPEGs")->capture_default_str();
  app.add_option("--results", settings.results, "folder of the report")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const std::string load_before = hg::bench::load_average();
  const std::string list = prepare_cache(settings.cache, settings.images);

  hg::data::Pipeline pipeline;
  hg::data::add_transforms(pipeline, kTransforms, "bench");
  pipeline.normalize(hg::data::imagenet_normalization());
  hg::data::LoaderOptions options;
  options.batch_size = settings.batch;
  options.workers = settings.workers;
  options.prefetch = 2 * settings.workers;
  const std::string decoder = hg::data::jpeg_turbo_available() ? "libjpeg-turbo" : "stb_image";
  nlohmann::json rows = nlohmann::json::array();
  for (bool shrink : {true, false}) {
    hg::data::ImageListOptions list_options;  // each image at its own size
    list_options.reducible_to = shrink ? pipeline.reducible_to() : 0;
    auto dataset = hg::data::ImageListDataset::from_list(list, list_options);
    hg::data::Loader loader(dataset, pipeline, options);
    const double rate = loader_rate(loader, settings.epochs);
    const std::string name = "hashgrad, " + decoder +
                             (shrink && hg::data::jpeg_turbo_available() ? ", DCT-domain reduction"
                                                                         : ", full-size decode");
    std::printf("%-60s %8.0f images/s\n", name.c_str(), rate);
    rows.push_back({{"name", name},
                    {"images_per_second", rate},
                    {"decoder", decoder},
                    {"dct_reduction", shrink && hg::data::jpeg_turbo_available()}});
  }
  nlohmann::json report = hg::bench::report_header("loader-jpeg", load_before);
  report["settings"] = {{"images", settings.images},
                        {"image_size", "500x375"},
                        {"output", "224x224x3"},
                        {"workers", settings.workers},
                        {"batch", settings.batch},
                        {"epochs_timed", settings.epochs},
                        {"transforms", std::string(kTransforms) + " normalize(imagenet)"},
                        {"cache", settings.cache},
                        {"list", list}};
  report["hashgrad"] = rows;
  hg::bench::write_report(
      fs::path(settings.results) / ("loader-jpeg-" + hg::bench::device_tag() + ".json"), report);
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "jpeg_loader_bench: error: %s\n", error.what());
  return 1;
}
