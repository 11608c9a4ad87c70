// A code file (code_file.h) opened without reading it: the header is checked against the file's
// size and the file is memory-mapped, so a rank of a sharded search touches only its own rows and
// a database larger than memory is paged in by the kernel as the search streams over it
// (HammingIndex's parts). read_code_file reads through this class too, so both check a file the
// same way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hashing/bit_packing.h"
#include "hashing/code_file.h"

namespace hg::hashing {

class MappedCodeFile {
 public:
  // Maps `path` and checks magic, version, code length, label layout and size; each failure
  // names the file. The checksum is checked by verify_checksum(), a pass over the whole file.
  explicit MappedCodeFile(const std::string& path);
  ~MappedCodeFile();
  MappedCodeFile(const MappedCodeFile&) = delete;
  MappedCodeFile& operator=(const MappedCodeFile&) = delete;

  void verify_checksum() const;

  const std::string& path() const { return path_; }
  int bits() const { return bits_; }
  int64_t count() const { return count_; }
  LabelLayout label_layout() const { return layout_; }

  // Rows [begin, begin + rows): the codes in place (valid while this object lives), copies of
  // their labels and ids.
  PackedCodes codes(int64_t begin, int64_t rows) const;
  Labels labels(int64_t begin, int64_t rows) const;
  std::vector<int64_t> ids(int64_t begin, int64_t rows) const;
  // The rows as an in-memory CodeSet.
  CodeSet read(int64_t begin, int64_t rows) const;

 private:
  void check_rows(int64_t begin, int64_t rows) const;

  std::string path_;
  const uint8_t* bytes_ = nullptr;
  size_t size_ = 0;
  int bits_ = 0;
  int64_t count_ = 0;
  LabelLayout layout_ = LabelLayout::none;
  int64_t num_classes_ = 0;
  size_t labels_offset_ = 0, ids_offset_ = 0;
};

}  // namespace hg::hashing
