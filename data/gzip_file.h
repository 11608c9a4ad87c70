// Reading a data file that may or may not be gzip-compressed.
//
// Debian ships Fashion-MNIST as .gz files and users often have plain ones; zlib's gzread
// passes a plain file through unchanged, so one reader serves both. What zlib reports as corrupt
// compressed data becomes an hg::Error that names the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hg::data {

class GzipFile {
 public:
  // Throws naming the path and the system's reason when it cannot be opened.
  explicit GzipFile(const std::string& path);
  ~GzipFile();
  GzipFile(const GzipFile&) = delete;
  GzipFile& operator=(const GzipFile&) = delete;

  // Reads up to `count` (decompressed) bytes into `buffer` and returns how many it read: fewer
  // than `count` only at the end of the data. Corrupt or cut-off compressed data throws.
  size_t read(void* buffer, size_t count);
  // Everything from here to the end.
  std::vector<uint8_t> read_all();
  // True when no byte is left (reads one byte to find out).
  bool at_end();
  const std::string& path() const { return path_; }

 private:
  void* file_ = nullptr;  // gzFile, kept opaque so this header needs no zlib.h
  std::string path_;
};

}  // namespace hg::data
