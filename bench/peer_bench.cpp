// hashgrad's side of the benchmark against PyTorch: for each case of bench/peer_cases.json (the
// file bench/torch_peer.py reads too), the images per second of whole training steps (zero the
// gradients, forward, loss, backward, one Adam update) and the peak memory they took.
// bench/peer_report.py puts the two sides together; scripts/gpu-check.sh's `peer` stage and
// bench/peer.sh run all three.
//
// The hashing cases put a tanh hash head on the backbone and train it with ADSH's asymmetric
// loss against a fixed ±1 V of 60,000 rows (the main job's loss without its code update); the
// 224×224 cases put a 1000-class Linear on it and train with cross-entropy. Images, labels, V
// and the similarities are random tensors drawn once, so the step is all that is timed. A
// figure is the best of --repeats windows of --steps steps after one untimed window
// (bench_report.h's best_seconds), a window ending when the GPU has finished its work.
//
// Peak memory: on the GPU, the allocator's peak of bytes in live tensors from just before the
// model was built (what torch.cuda.max_memory_allocated counts for PyTorch); on the CPU, the
// process's peak resident set (bench/process_memory.h), reset before each case, which also
// counts the program's code and libraries (bench/peer.sh runs each CPU case in its own process).
//
// Writes runs/peer/hashgrad-<device>.json (or --out) with every benchmark's header fields.
//
// Each case runs in hashgrad's fp32 mode (strict f32 on the CPU, TF32 on a GPU) and in bf16 mixed
// precision (--modes picks).
//
//   bench_peer_bench [--device auto|cpu|cuda] [--cases NAME,...] [--modes MODE,...]
//                    [--steps T] [--repeats R] [--cpu-threads N] [--out FILE]
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "autograd/mixed_precision.h"
#include "autograd/node.h"
#include "autograd/softmax.h"
#include "bench/bench_report.h"
#include "bench/process_memory.h"
#include "core/caching_allocator.h"
#include "cuda/allocator.h"
#include "cuda/runtime.h"
#include "hashing/hash_model.h"
#include "hashing/losses/adsh_loss.h"
#include "hashing/similarity.h"
#include "layers/linear.h"
#include "layers/models/backbone.h"
#include "layers/sequential.h"
#include "tensor/random.h"
#include "train/optimizer.h"

namespace {

using hg::Device;
using hg::Tensor;

struct PeerCase {
  std::string name, backbone, attention, loss;
  int64_t channels = 0, image_size = 0, batch = 0;
};

// bench/peer_cases.json: the sizes every case shares, and the cases.
struct PeerCases {
  int64_t bits = 0, database = 0, database_classes = 0, classes = 0;
  double gamma = 0, learning_rate = 0;
  std::vector<PeerCase> cases;
};

PeerCases read_peer_cases(const std::filesystem::path& path) {
  std::ifstream file(path);
  HG_CHECK(file, "cannot read the case list '", path.string(), "'");
  nlohmann::json json = nlohmann::json::parse(file);
  PeerCases all{json.at("bits"),
                json.at("database"),
                json.at("database_classes"),
                json.at("classes"),
                json.at("gamma"),
                json.at("learning_rate"),
                {}};
  for (const nlohmann::json& entry : json.at("cases"))
    all.cases.push_back({entry.at("case"), entry.at("backbone"), entry.at("attention"),
                         entry.at("loss"), entry.at("channels"), entry.at("image_size"),
                         entry.at("batch")});
  return all;
}

// A precision setting of hashgrad's: its name in the results, the precision class
// bench/peer_report.py pairs it with PyTorch's modes by, the device, strict fp32 on or off, and
// the mixed-precision policy the step runs under (autograd/mixed_precision.h; bf16 is
// autocast's policy, set beside PyTorch's bf16 autocast modes).
struct Mode {
  const char* name;
  const char* precision;
  Device device;
  bool strict_fp32;
  hg::Precision policy;
};

constexpr Mode kModes[] = {{"f32", "fp32", Device::cpu, true, hg::Precision::f32},
                           {"bf16", "bf16", Device::cpu, true, hg::Precision::bf16},
                           {"tf32", "fp32", Device::cuda, false, hg::Precision::f32},
                           {"f32-strict", "fp32", Device::cuda, true, hg::Precision::f32},
                           {"bf16", "bf16", Device::cuda, false, hg::Precision::bf16}};

const Mode& find_mode(const std::string& name, Device device) {
  for (const Mode& mode : kModes)
    if (name == mode.name && mode.device == device) return mode;
  throw hg::Error("--modes: '" + name + "' is not a mode on " + hg::device_name(device) +
                  " (cpu: f32, bf16; cuda: tf32, f32-strict, bf16)");
}

// One case's model, optimizer and fixed inputs, and its training step.
class TrainingStep {
 public:
  TrainingStep(const PeerCases& all, const PeerCase& c, Device device) : case_(c), all_(all) {
    hg::manual_seed(1);
    hg::BackboneOptions options;
    options.in_channels = c.channels;
    options.image_size = c.image_size;
    options.attention = hg::parse_attention_kind(c.attention);
    hg::Backbone backbone = hg::make_backbone(c.backbone, options);
    if (adsh()) {
      model_ = std::make_shared<hg::hashing::HashModel>(
          backbone.module, backbone.feature_dim, all.bits, hg::hashing::HashActivation::tanh);
    } else {
      HG_CHECK(c.loss == "cross_entropy", "case ", c.name, ": loss '", c.loss,
               "' is neither adsh nor cross_entropy");
      model_ = std::make_shared<hg::Sequential>(std::initializer_list<std::shared_ptr<hg::Module>>{
          backbone.module, std::make_shared<hg::Linear>(backbone.feature_dim, all.classes)});
    }
    model_->to(device);
    model_->train();
    optimizer_ =
        std::make_unique<hg::Optimizer>(hg::make_adam(model_->parameters(), all.learning_rate));
    draw_inputs(device);
  }

  void run() {
    optimizer_->zero_grad();
    Tensor output = (*model_)(images_);
    loss_ = adsh()
                ? hg::hashing::adsh_loss(output, database_codes_, similarity_, indices_, all_.gamma)
                : hg::cross_entropy(output, targets_);
    hg::backward(loss_);
    optimizer_->step();
  }

  int64_t parameter_count() const { return model_->parameter_count(); }
  double last_loss() const { return loss_.to(Device::cpu).to(hg::DType::f64).item<double>(); }

 private:
  bool adsh() const { return case_.loss == "adsh"; }

  void draw_inputs(Device device) {
    std::mt19937_64 generator(2);
    auto class_ids = [&](int64_t count, int64_t classes) {
      std::uniform_int_distribution<int64_t> draw(0, classes - 1);
      std::vector<int64_t> ids(count);
      for (int64_t& id : ids) id = draw(generator);
      return Tensor::from_vector(ids, {count}).to(device);
    };
    images_ = hg::ops::uniform({case_.batch, case_.channels, case_.image_size, case_.image_size},
                               -1, 1, hg::DType::f32, device);
    if (!adsh()) {
      targets_ = class_ids(case_.batch, all_.classes);
      return;
    }
    database_codes_ = hg::hashing::binarize(
        hg::ops::normal({all_.database, all_.bits}, 0, 1, hg::DType::f32, device),
        hg::hashing::HashActivation::tanh);
    Tensor similar = hg::hashing::similarity(
        hg::hashing::one_hot_labels(class_ids(case_.batch, all_.database_classes),
                                    all_.database_classes),
        hg::hashing::one_hot_labels(class_ids(all_.database, all_.database_classes),
                                    all_.database_classes));
    similarity_ = hg::hashing::soft_similarity(similar, hg::hashing::imbalance_ratio(similar));
    indices_ = class_ids(case_.batch, all_.database);
  }

  PeerCase case_;
  PeerCases all_;
  std::shared_ptr<hg::Module> model_;
  std::unique_ptr<hg::Optimizer> optimizer_;
  Tensor images_, targets_;                       // cross-entropy
  Tensor database_codes_, similarity_, indices_;  // ADSH: V, soft S of the batch, rows in V
  Tensor loss_;
};

// Where peak memory starts counting, and what it has reached since.
void reset_peak_memory(Device device) {
  if (device == Device::cuda) {
    hg::memory::reset_device_peak();
    return;
  }
  // Blocks the host cache kept from an earlier case would stay resident and count again.
  hg::memory::set_caching(false);
  hg::memory::set_caching(true);
  hg::bench::reset_peak_resident_bytes();
}

int64_t peak_memory(Device device) {
  return device == Device::cuda ? static_cast<int64_t>(hg::memory::device_stats().peak_bytes)
                                : hg::bench::peak_resident_bytes();
}

const char* memory_description(Device device) {
  return device == Device::cuda
             ? "GPU: the allocator's peak of bytes in live tensors, from just before the model "
               "was built"
             : "CPU: the process's peak resident set (VmHWM, reset before the case; counts "
               "code and libraries)";
}

std::string input_text(const PeerCase& c) {
  return std::to_string(c.channels) + "x" + std::to_string(c.image_size) + "x" +
         std::to_string(c.image_size);
}

// Times one case in one mode, filling `result` as it goes: a failure keeps what came before it
// (the parameter count, once the model is built).
void measure(const PeerCases& all, const PeerCase& c, const Mode& mode, int steps, int repeats,
             nlohmann::json& result) {
  if (mode.device == Device::cuda) hg::cuda::set_strict_fp32(mode.strict_fp32);
  reset_peak_memory(mode.device);
  const int64_t resident_before = hg::bench::resident_bytes();
  TrainingStep step(all, c, mode.device);
  result["parameters"] = step.parameter_count();
  hg::PrecisionScope policy(mode.policy);
  const double window = hg::bench::best_seconds(repeats, 0, [&] {
    for (int i = 0; i < steps; ++i) step.run();
    if (mode.device == Device::cuda) hg::cuda::synchronize();
  });
  const double step_seconds = window / steps;
  const double images_per_second = static_cast<double>(c.batch) / step_seconds;
  const int64_t peak = peak_memory(mode.device);
  std::printf(
      "%-5s %-10s %-20s %-9s batch %-4lld %11lld params  %9.2f ms/step  %9.1f images/s  "
      "peak %8.1f MiB\n",
      hg::device_name(mode.device), mode.name, c.name.c_str(), input_text(c).c_str(),
      static_cast<long long>(c.batch), static_cast<long long>(step.parameter_count()),
      step_seconds * 1e3, images_per_second, static_cast<double>(peak) / (1 << 20));
  std::fflush(stdout);
  result.update({{"status", "measured"},
                 {"steps", steps},
                 {"repeats", repeats},
                 {"step_seconds", step_seconds},
                 {"images_per_second", images_per_second},
                 {"peak_memory_bytes", peak},
                 {"final_loss", step.last_loss()}});
  if (mode.device == Device::cpu) result["resident_before_bytes"] = resident_before;
}

std::vector<PeerCase> selected_cases(const PeerCases& all, const std::vector<std::string>& names) {
  if (names.empty()) return all.cases;
  std::vector<PeerCase> chosen;
  for (const std::string& name : names) {
    std::string known;
    for (const PeerCase& c : all.cases) {
      if (c.name == name) chosen.push_back(c);
      known += (known.empty() ? "" : ", ") + c.name;
    }
    HG_CHECK(!chosen.empty() && chosen.back().name == name, "--cases: unknown case '", name,
             "'; bench/peer_cases.json has ", known);
  }
  return chosen;
}

}  // namespace

int main(int argc, char** argv) try {
  const std::string load_before = hg::bench::load_average();
  std::string device_text = "auto", out;
  std::vector<std::string> case_names, mode_names;
  int steps = 10, repeats = 3;
  CLI::App app{"hashgrad's training steps beside PyTorch's (bench/torch_peer.py)",
               "bench_peer_bench"};
  hg::bench::add_cpu_threads_option(app);
  app.add_option("--device", device_text, "auto, cpu or cuda")->capture_default_str();
  app.add_option("--cases", case_names, "cases of bench/peer_cases.json (default: all)")
      ->delimiter(',');
  app.add_option("--modes", mode_names,
                 "cpu: f32, bf16; cuda: tf32, f32-strict, bf16 (default: f32,bf16 / tf32,bf16)")
      ->delimiter(',');
  app.add_option("--steps", steps, "training steps per timed window")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--repeats", repeats, "timed windows, the best is kept")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--out", out, "results file (default: runs/peer/hashgrad-<device>.json)");
  CLI11_PARSE(app, argc, argv);

  const Device device = hg::parse_device(device_text);
  const std::string device_tag = device == Device::cuda ? hg::bench::device_tag() : "cpu";
  if (mode_names.empty()) mode_names = {device == Device::cuda ? "tf32" : "f32", "bf16"};
  const PeerCases all = read_peer_cases(hg::bench::repository_root() / "bench" / "peer_cases.json");
  const std::filesystem::path path = out.empty() ? hg::bench::repository_root() / "runs" / "peer" /
                                                       ("hashgrad-" + device_tag + ".json")
                                                 : std::filesystem::path(out);
  nlohmann::json report = hg::bench::report_header("peer-hashgrad", load_before);
  report["device"] = device_tag;
  report["memory"] = memory_description(device);
  report["results"] = nlohmann::json::array();
  int failures = 0;
  // One case's failure (out of memory, say) is recorded and the others still run; the file is
  // rewritten after each, so a run stopped at a time limit keeps what it measured.
  for (const PeerCase& c : selected_cases(all, case_names)) {
    for (const std::string& mode_name : mode_names) {
      const Mode& mode = find_mode(mode_name, device);
      nlohmann::json result = {{"case", c.name},           {"backbone", c.backbone},
                               {"attention", c.attention}, {"input", input_text(c)},
                               {"batch", c.batch},         {"loss", c.loss},
                               {"mode", mode.name},        {"precision", mode.precision}};
      try {
        measure(all, c, mode, steps, repeats, result);
      } catch (const std::exception& error) {
        ++failures;
        result.update({{"status", "failed"}, {"reason", error.what()}});
        std::fprintf(stderr, "peer_bench: %s %s failed: %s\n", c.name.c_str(), mode.name,
                     error.what());
      }
      report["results"].push_back(result);
      report["load_average_after"] = hg::bench::load_average();
      hg::bench::write_report(path, report);
    }
  }
  return failures == 0 ? 0 : 1;
} catch (const std::exception& error) {
  std::fprintf(stderr, "peer_bench: error: %s\n", error.what());
  return 1;
}
