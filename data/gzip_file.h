// Reading a data file that may or may not be gzip-compressed.
//
// Debian ships Fashion-MNIST as .gz files and users often have plain ones; one reader serves
// both: a file starting with gzip's magic bytes, and any pipe, is read through zlib's gzread, any
// other file as it is. What zlib reports as corrupt compressed data becomes an hg::Error that
// names the file.
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
  // Up to `count` bytes from here, fewer only at the end of the data. The buffer is sized from
  // the file, not from `count` (which a corrupt header may inflate): a plain file's whole size at
  // once, a compressed file's size doubled until its data ends, so a small file costs little
  // memory and time whatever its format allows.
  std::vector<uint8_t> read_up_to(size_t count);
  // Everything from here to the end, refused once it passes `limit` bytes: a small compressed
  // file can inflate to any size (a gzip bomb), so the caller says what its format can hold.
  std::vector<uint8_t> read_all(size_t limit);
  // The most decompressed bytes the file can hold: its size when it is plain, 1032 times its
  // size when compressed (deflate's largest ratio). Checked against a header's claim before
  // allocating for it. Valid after the first read.
  uint64_t most_bytes_held() const;
  // True when no byte is left (reads one byte to find out).
  bool at_end();
  const std::string& path() const { return path_; }

 private:
  void* file_ = nullptr;  // gzFile, kept opaque so this header needs no zlib.h; null when plain
  int descriptor_ = -1;   // the open file, zlib's to close when file_ is made
  std::string path_;
  uint64_t file_bytes_ = UINT64_MAX;  // the file's size on disk; unknown for a pipe
};

}  // namespace hg::data
