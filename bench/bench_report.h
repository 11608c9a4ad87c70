// Where and when a benchmark ran: the git commit (marked "-dirty" with uncommitted changes), the
// UTC date, the CPU model and its load, and a file-name slug for a GPU's name. Every
// bench/results/*.json carries these so that a number can be traced to the code and the machine
// that produced it.
#pragma once

#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

namespace hg::bench {

// The repository this benchmark was built from.
inline std::filesystem::path repository_root() {
  return std::filesystem::path(__FILE__).parent_path().parent_path();
}

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

}  // namespace hg::bench
