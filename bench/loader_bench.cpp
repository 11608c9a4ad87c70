// Loader throughput: images per second of decode + augment + batch, for Fashion-MNIST (IDX.gz,
// decoded once into memory, then augmented every epoch) and for a folder of PNGs this program
// writes to a temp folder (decoded and resized on every epoch, and cached). Runs on 2 worker
// threads (and 2 OpenMP threads for the decode-once pass) unless told otherwise, and writes
// bench/results/loader-<device>.json (cpu, or the GPU's name, as the other benchmarks) with the
// host, CPU, GPU, git commit, date and load average.
//
//   bench_loader_bench [--workers N] [--pngs N] [--png-size S] [--batch B] [--epochs E]
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "bench/bench_report.h"
#include "cuda/runtime.h"
#include "data/idx.h"
#include "data/image_io.h"
#include "data/image_list.h"
#include "data/loader.h"

namespace {

using hg::bench::Clock;
using hg::bench::seconds_since;
using hg::data::Batch;
using hg::data::Loader;
using hg::data::LoaderOptions;
using hg::data::Pipeline;
namespace fs = std::filesystem;

struct Settings {
  int workers = 2;
  int pngs = 10000;
  int png_size = 64;  // PNG side; the loader resizes to 32×32 like CIFAR
  int64_t batch = 256;
  int epochs = 2;
};

// Images per second of full epochs through `loader` (the best of `epochs`, so the first
// epoch's cold caches do not decide), touching each batch as a training step would.
double loader_rate(Loader& loader, int epochs) {
  double best = 0;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    auto start = Clock::now();
    loader.start_epoch(epoch);
    int64_t images = 0;
    for (Batch batch; loader.next(batch);) images += batch.images.size(0);
    if (hg::cuda::available()) hg::cuda::synchronize();  // the last copies must have landed
    best = std::max(best, images / seconds_since(start));
  }
  return best;
}

// A 64×64 RGB image with smooth gradients and a little noise, so the PNGs compress like
// photographs rather than like flat colour.
hg::data::Image synthetic_photo(int side, int seed) {
  hg::data::Image image(hg::data::ImageSize{side, side, 3});
  uint32_t state = static_cast<uint32_t>(seed) * 2654435761u + 1;
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) {
      uint8_t* pixel = image.at(y, x);
      state = state * 1664525u + 1013904223u;
      int noise = static_cast<int>(state >> 28);
      pixel[0] = static_cast<uint8_t>((x * 4 + seed) % 256 ^ noise);
      pixel[1] = static_cast<uint8_t>((y * 3 + seed * 7) % 256 ^ noise);
      pixel[2] = static_cast<uint8_t>(((x + y) * 2 + seed * 13) % 256 ^ noise);
    }
  return image;
}

// Fashion-MNIST: gunzip + parse once, then crop/flip/normalize/batch each epoch. Null when the
// dataset is not installed.
nlohmann::json measure_fashion_mnist(const Settings& settings, const LoaderOptions& options) {
  if (!fs::exists(hg::data::fashion_mnist_directory())) {
    std::printf("fashion-mnist: %s not installed, skipped\n",
                hg::data::fashion_mnist_directory().c_str());
    return nullptr;
  }
  auto start = Clock::now();
  hg::data::FashionMnist sets = hg::data::load_fashion_mnist();
  double read_seconds = seconds_since(start);
  Pipeline augment;
  augment.add(hg::data::random_crop(28, 28, 2)).add(hg::data::random_horizontal_flip());
  augment.normalize({{0.2860f}, {0.3530f}});
  Loader loader(sets.train, augment, options);
  double rate = loader_rate(loader, settings.epochs);
  std::printf(
      "fashion-mnist: read 70,000 images from IDX.gz in %.2f s (%.0f img/s); loader "
      "(crop+flip+normalize+batch %lld) %.0f img/s\n",
      read_seconds, 70000 / read_seconds, static_cast<long long>(settings.batch), rate);
  return {{"idx_read_seconds", read_seconds},
          {"idx_read_images_per_second", 70000 / read_seconds},
          {"loader_images_per_second", rate},
          {"images", sets.train->size()},
          {"pipeline", augment.description()}};
}

// Writes --pngs synthetic photos into a fresh temporary folder, ten classes by subfolder.
fs::path write_png_folder(const Settings& settings) {
  char pattern[] = "/tmp/hashgrad-loader-bench-XXXXXX";
  const fs::path folder = mkdtemp(pattern);
  for (int i = 0; i < settings.pngs; ++i) {
    fs::path file = folder / ("class" + std::to_string(i % 10)) / (std::to_string(i) + ".png");
    fs::create_directories(file.parent_path());
    hg::data::write_png(file.string(), synthetic_photo(settings.png_size, i));
  }
  return folder;
}

// A folder of PNGs: decode + resize every epoch (lazy), and decode once (cached).
nlohmann::json measure_png_folder(const Settings& settings, const LoaderOptions& options) {
  const fs::path folder = write_png_folder(settings);
  hg::data::ImageListOptions list_options;
  list_options.height = list_options.width = 32;
  list_options.cache = hg::data::CacheMode::never;
  auto lazy = hg::data::ImageListDataset::from_folder(folder.string(), list_options);
  Pipeline augment;
  augment.add(hg::data::random_crop(32, 32, 4)).add(hg::data::random_horizontal_flip());
  augment.normalize({{0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}});
  Loader lazy_loader(lazy, augment, options);
  double lazy_rate = loader_rate(lazy_loader, settings.epochs);
  list_options.cache = hg::data::CacheMode::always;
  auto start = Clock::now();
  auto cached = hg::data::ImageListDataset::from_folder(folder.string(), list_options);
  double decode_once_seconds = seconds_since(start);
  Loader cached_loader(cached, augment, options);
  double cached_rate = loader_rate(cached_loader, settings.epochs);
  fs::remove_all(folder);
  std::printf(
      "png folder (%d PNGs of %dx%d, resized to 32x32): loader decoding every epoch "
      "%.0f img/s; decode-once pass %.0f img/s, then cached epochs %.0f img/s\n",
      settings.pngs, settings.png_size, settings.png_size, lazy_rate,
      settings.pngs / decode_once_seconds, cached_rate);
  return {{"images", settings.pngs},
          {"png_side", settings.png_size},
          {"output", "32x32x3"},
          {"loader_decode_every_epoch_images_per_second", lazy_rate},
          {"decode_once_images_per_second", settings.pngs / decode_once_seconds},
          {"loader_cached_images_per_second", cached_rate},
          {"pipeline", "decode + resize(32x32) + " + augment.description()}};
}

// Where and when, the settings, and the measurements.
nlohmann::json report_of(const Settings& settings, const LoaderOptions& options,
                         const std::string& load_before, const nlohmann::json& results) {
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  nlohmann::json report = hg::bench::report_header("loader", load_before);
  report["host"] = host;
  report["batches_to"] = hg::device_name(options.device);
  report["hardware_threads"] = std::thread::hardware_concurrency();
  report["settings"] = {{"workers", settings.workers},
                        {"batch", settings.batch},
                        {"epochs_timed", settings.epochs},
                        {"prefetch", options.prefetch}};
  report.update(results);
  return report;
}

}  // namespace

int main(int argc, char** argv) try {
  Settings settings;
  CLI::App app{"Loader throughput: decode + augment + batch, images per second",
               "bench_loader_bench"};
  app.add_option("--workers", settings.workers, "loader threads")->capture_default_str();
  app.add_option("--pngs", settings.pngs, "PNG files written for the folder pass")
      ->capture_default_str();
  app.add_option("--png-size", settings.png_size, "side of those PNGs")->capture_default_str();
  app.add_option("--batch", settings.batch, "images per batch")->capture_default_str();
  app.add_option("--epochs", settings.epochs, "epochs per pass (the best is reported)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  // The machine may be shared: the load before the run says how far to trust the figures.
  const std::string load_before = hg::bench::load_average();
  omp_set_num_threads(settings.workers);
  LoaderOptions options;
  options.batch_size = settings.batch;
  options.workers = settings.workers;
  options.prefetch = 2 * settings.workers;
  options.device = hg::cuda::available() ? hg::Device::cuda : hg::Device::cpu;
  nlohmann::json results = nlohmann::json::object();
  nlohmann::json fashion_mnist = measure_fashion_mnist(settings, options);
  if (!fashion_mnist.is_null()) results["fashion_mnist"] = fashion_mnist;
  results["png_folder"] = measure_png_folder(settings, options);
  hg::bench::write_report(hg::bench::results_path("loader-" + hg::bench::device_tag()),
                          report_of(settings, options, load_before, results));
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "loader_bench: error: %s\n", error.what());
  return 1;
}
