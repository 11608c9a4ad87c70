// What every benchmark shares: where and when it ran (the git commit, marked "-dirty" with
// uncommitted changes, the UTC date, the CPU model and its load, the GPU), the report written to
// bench/results/<benchmark>-<device>.json with those fields, and the timing loop (the best of
// several runs after a warm-up). Every result file carries the fields so that a number can be
// traced to the code and the machine that produced it.
#pragma once

#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "core/atomic_write.h"
#include "cuda/runtime.h"

namespace hg::bench {

// --cpu-threads N, the flag of every benchmark with CPU cases: the OpenMP threads they run on
// (OpenMP's default otherwise).
inline void add_cpu_threads_option(CLI::App& app) {
  app.add_option_function<int>(
         "--cpu-threads", [](int threads) { omp_set_num_threads(threads); },
         "OpenMP threads for the CPU cases")
      ->check(CLI::PositiveNumber);
}

// The repository this benchmark was built from (bench/support/repository_root.cpp).
std::filesystem::path repository_root();

inline std::string command_output(const std::string& command) {
  std::string text;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, pipe)) text += buffer;
    pclose(pipe);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

inline std::string git_commit() {
  // A lent GPU machine gets a copy of the tree without .git: scripts/gpu-check.sh passes the
  // commit the binaries were built from.
  if (const char* pinned = std::getenv("HASHGRAD_COMMIT")) return pinned;
  const std::string git = "git -C '" + repository_root().string() + "' ";
  std::string commit = command_output(git + "rev-parse --short HEAD 2>/dev/null");
  if (commit.empty()) return "unknown";
  if (!command_output(git + "status --porcelain 2>/dev/null").empty()) commit += "-dirty";
  return commit;
}

inline std::string utc_date() {
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return date;
}

inline std::string cpu_model() {
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

// The 1-, 5- and 15-minute load averages ("4.08 4.72 4.66"): other work competing for the cores
// while a benchmark ran makes its multi-threaded numbers mean little.
inline std::string load_average() {
  std::ifstream file("/proc/loadavg");
  std::string one, five, fifteen;
  file >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)" → "nvidia-h100-80gb-hbm3"
inline std::string device_slug(const std::string& description) {
  std::string slug;
  for (char character : description.substr(0, description.find(" ("))) {
    if (std::isalnum(static_cast<unsigned char>(character))) {
      slug += static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug;
}

// "cpu" without a GPU, else the GPU's slug: the <device> of a results file's name.
inline std::string device_tag() {
  return cuda::available() ? device_slug(cuda::device_description()) : "cpu";
}

// bench/results/<name>.json in the repository.
inline std::filesystem::path results_path(const std::string& name) {
  return repository_root() / "bench" / "results" / (name + ".json");
}

// The fields every results file starts with: the benchmark, the CPU and its OpenMP thread count,
// the GPU, the commit, the date, and the load average before (`load_before`, taken when the
// benchmark started) and after (now) the measurements.
inline nlohmann::json report_header(const std::string& benchmark, const std::string& load_before) {
  return {{"benchmark", benchmark},
          {"cpu", cpu_model()},
          {"cpu_threads", omp_get_max_threads()},
          {"gpu", cuda::device_description()},
          {"git_commit", git_commit()},
          {"date", utc_date()},
          {"load_average_before", load_before},
          {"load_average_after", load_average()}};
}

// Writes `report`, indented, to `path` (whole or not at all; the folder is created) and says so.
inline void write_report(const std::filesystem::path& path, const nlohmann::json& report) {
  std::filesystem::create_directories(path.parent_path());
  write_atomically(path.string(), [&](std::ostream& out) { out << report.dump(2) << "\n"; });
  std::printf("wrote %s\n", path.string().c_str());
}

// bench/results/<benchmark>-<device>.json: report_header's fields and the `results`.
inline void write_results(const std::string& benchmark, const std::string& load_before,
                          const nlohmann::json& results) {
  nlohmann::json report = report_header(benchmark, load_before);
  report["results"] = results;
  write_report(results_path(benchmark + "-" + device_tag()), report);
}

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The wall time of one call of `body`: the best of at least `runs` timed calls, and of more while
// they add up to less than `budget` seconds, after one untimed call that warms the allocator
// caches and builds the cuDNN and cuBLASLt plans. The best rather than the mean, because other
// work on the machine only ever adds time. `body` must wait for its own GPU work.
template <typename Body>
double best_seconds(int runs, double budget, Body&& body) {
  body();
  double best = std::numeric_limits<double>::infinity(), spent = 0;
  for (int run = 0; run < runs || spent < budget; ++run) {
    const Clock::time_point start = Clock::now();
    body();
    const double seconds = seconds_since(start);
    best = std::min(best, seconds);
    spent += seconds;
  }
  return best;
}

}  // namespace hg::bench
