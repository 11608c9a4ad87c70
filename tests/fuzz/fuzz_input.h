// What every fuzz target shares: the fuzzer's bytes as a file (hashgrad's readers take paths),
// and the rule a target checks: a reader may refuse its input only with an hg::Error. Any other
// exception escapes LLVMFuzzerTestOneInput, and libFuzzer reports it as a crash with the input
// that caused it; so do AddressSanitizer and UBSan findings, leaks, and inputs slower than
// -timeout.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"

namespace hg::fuzz {

// A folder of this process's own under $TMPDIR, made once and emptied at exit: parallel fuzzers
// (-jobs, the CI smoke running two at a time) never share a file.
inline const std::filesystem::path& scratch_folder() {
  static const std::filesystem::path folder = [] {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "hashgrad-fuzz-XXXXXX").string();
    std::filesystem::path made = mkdtemp(pattern.data());
    std::atexit([] { std::filesystem::remove_all(scratch_folder()); });
    return made;
  }();
  return folder;
}

inline std::string write_file(const std::string& name, const uint8_t* data, size_t size) {
  const std::filesystem::path path = scratch_folder() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path.string();
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
