// What every fuzz target shares: the fuzzer's bytes as a file (hashgrad's readers take paths),
// and the rule a target checks: a reader may refuse its input only with an hg::Error. Any other
// exception escapes LLVMFuzzerTestOneInput, and libFuzzer reports it as a crash with the input
// that caused it; so do AddressSanitizer and UBSan findings, leaks, and inputs slower than
// -timeout.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"

namespace hg::fuzz {

// A folder of this process's own under $TMPDIR, made once and removed at exit: parallel fuzzers
// (-jobs, the CI smoke running two at a time) never share a file. The exit handler is registered
// after the path is made: handlers and static destructors run in reverse order of registration,
// so one registered while the path was being made would run after the path's destructor.
inline const std::filesystem::path& scratch_folder() {
  static const std::filesystem::path folder = [] {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "hashgrad-fuzz-XXXXXX").string();
    return std::filesystem::path(mkdtemp(pattern.data()));
  }();
  static const bool removed_at_exit =
      std::atexit([] { std::filesystem::remove_all(scratch_folder()); }) == 0;
  (void)removed_at_exit;
  return folder;
}

// Writes `size` bytes to `path` with open and write rather than an ofstream, whose 8 KiB buffer,
// allocated for every input, cost the text readers' targets (config, model_json) a fifth of their
// time under ASan. False when the file cannot be made (the caller decides whether that matters).
inline bool write_file_at(const std::string& path, const uint8_t* data, size_t size) {
  const int file = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (file < 0) return false;
  size_t written = 0;
  while (written < size) {
    const ssize_t done = write(file, data + written, size - written);
    if (done <= 0) break;
    written += static_cast<size_t>(done);
  }
  return close(file) == 0 && written == size;
}

// The input as the file `name` in the scratch folder. A file that cannot be written would leave
// the reader a different input than the fuzzer's, so the run stops, saying why.
inline std::string write_file(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = (scratch_folder() / name).string();
  if (!write_file_at(path, data, size)) {
    std::fprintf(stderr, "fuzz: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    std::abort();
  }
  return path;
}

inline std::string write_file(const std::string& name, const std::string& text) {
  return write_file(name, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

// Runs `read`; an hg::Error is a refusal, the one outcome besides success a reader may have.
template <typename Read>
void refusal_allowed(Read&& read) {
  try {
    read();
  } catch (const Error&) {
  }
}

}  // namespace hg::fuzz
