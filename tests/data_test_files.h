// Files the tests make for the readers and writers they test: a scratch folder per test, a path
// in gtest's temp folder, and writing and reading raw, gzipped or text bytes, so that every
// reader is tested on files the test made itself.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace hg::test {

// A fresh folder under the system temp folder, removed with everything in it at the end.
class ScratchFolder {
 public:
  ScratchFolder() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "hashgrad-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~ScratchFolder() { std::filesystem::remove_all(path_); }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  // The path of `name` inside the folder; nothing is created (a test of a missing folder).
  std::string path(const std::string& name) const {
    return (std::filesystem::path(path_) / name).string();
  }

  // The path of `name` inside the folder, its parent folders created.
  std::string file(const std::string& name) const {
    std::filesystem::path file_path = path(name);
    std::filesystem::create_directories(file_path.parent_path());
    return file_path.string();
  }

 private:
  std::string path_;
};

// A path in gtest's temp folder, prefixed with the running test's name so that tests run side by
// side (ctest starts each as its own process) never share a file. Nothing removes it: for tests
// that look at the temp folder itself, or must name a path that does not exist yet.
inline std::string temporary_path(const std::string& name) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  return ::testing::TempDir() + test->test_suite_name() + "." + test->name() + "." + name;
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

inline void write_gzip(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(file);
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string read_text(const std::string& path) {
  std::ifstream stream(path);
  std::stringstream text;
  text << stream.rdbuf();
  return text.str();
}

}  // namespace hg::test
