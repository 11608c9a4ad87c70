// Command-line plumbing every hashgrad command shares: CLI11 parsing that turns every mistake
// into one hg::Error line naming the flag, whole-number validators, the --device and --gpus
// choices, and the output folder.
#pragma once

#include <CLI/CLI.hpp>

#include <climits>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/path_status.h"
#include "cuda/device_choice.h"
#include "cuda/runtime.h"
#include "tensor/device.h"

namespace hg::app {

// Parses argv (argv[0] is the command's name). Returns false when --help was asked for (the
// help is printed; the command should return 0). Any other problem, an unknown flag, a missing
// one, a bad value, is thrown as an hg::Error whose one line names the flag, and main() exits 1.
inline bool parse_arguments(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return true;
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return false;
  } catch (const CLI::ParseError& error) {
    throw Error(error.what());
  }
}

// Validators with messages a person can act on (CLI11 prefixes the flag): whole numbers in
// [minimum, maximum].
inline CLI::Validator integer_in(long long minimum, long long maximum) {
  return CLI::Validator(
      [minimum, maximum](std::string& text) -> std::string {
        size_t used = 0;
        long long value = 0;
        try {
          value = std::stoll(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != text.size()) return "expected a whole number, got '" + text + "'";
        if (value < minimum || value > maximum)
          return maximum == LLONG_MAX
                     ? "must be at least " + std::to_string(minimum) + ", got " + text
                     : "must be between " + std::to_string(minimum) + " and " +
                           std::to_string(maximum) + ", got " + text;
        return "";
      },
      "INT");
}
inline CLI::Validator integer_at_least(long long minimum) { return integer_in(minimum, LLONG_MAX); }

// --device: cpu, cuda, or auto (cuda when a device is present).
inline CLI::Option* add_device_option(CLI::App& app, std::string& device,
                                      const char* help = "where to search: cpu, cuda or auto") {
  return app.add_option("--device", device, help)
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}))
      ->capture_default_str();
}

inline Device chosen_device(const std::string& device) {
  HG_CHECK(device != "cuda" || cuda::available(), "--device cuda: no CUDA device is available (",
           cuda::device_description(), "); use --device cpu");
  return parse_device(device);
}

// --gpus: how many GPUs each process searches on, the database split across them
// (hashing/partitioned_index.h): a number or `all` (every visible GPU). The default, 1, is the
// process's own GPU, as without the flag; FAISS likewise searches one GPU unless asked for all.
inline CLI::Option* add_gpus_option(CLI::App& app, std::string& gpus) {
  const CLI::Validator count = integer_at_least(1);
  return app
      .add_option("--gpus", gpus,
                  "GPUs each process searches on, the index split across them: a number or all "
                  "(under mpirun, process r of a machine takes GPUs r×N to r×N+N−1)")
      ->check(CLI::Validator(
          [count](std::string& text) -> std::string {
            if (text == "all") return "";
            const std::string problem = count(text);
            return problem.empty() ? "" : problem + " (or all)";
          },
          "N|all"))
      ->capture_default_str();
}

// The ordinals of the GPUs --gpus (checked by add_gpus_option) picks for this process
// (cuda::search_gpus); empty on the CPU.
inline std::vector<int> chosen_gpus(const std::string& gpus, Device device, int local_rank) {
  if (device == Device::cpu) {
    HG_CHECK(gpus == "1", "--gpus ", gpus,
             ": the search runs on the CPU (--device cuda, or auto on a machine with a GPU, "
             "searches on GPUs)");
    return {};
  }
  const int visible = cuda::device_count();
  const long long count = gpus == "all" ? visible : std::stoll(gpus);
  HG_CHECK(count <= visible, "--gpus ", gpus, ": only ", visible, " CUDA devices are visible");
  return cuda::search_gpus(static_cast<int>(count), local_rank);
}

// Creates the folder (and its parents) when missing; throws naming the flag and the folder.
inline void make_output_folder(const std::string& folder, const char* flag) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  HG_CHECK(!error && is_folder(folder), flag, " ", folder, ": cannot create the folder (",
           error.message(), ")");
}

inline std::string join_path(const std::string& folder, const std::string& name) {
  return (std::filesystem::path(folder) / name).string();
}

}  // namespace hg::app
