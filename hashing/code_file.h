// The code file (DESIGN §6): a database or query set of packed binary codes with their labels
// and ids, in one self-checking binary file that `hashgrad encode` writes and `search`, `eval`
// and `export` read.
//
// Layout (little-endian, no padding between fields):
//   offset  size                      field
//   0       8                         magic "HGCODES\0"
//   8       4  u32                    version (kCodeFileVersion)
//   12      4  u32                    bits per code (8..1024)
//   16      8  u64                    count n
//   24      4  u32                    label layout (0 none, 1 class ids, 2 multi-hot)
//   28      4  u32                    classes (multi-hot columns; class ids: ≥ 1 + largest id)
//   32      n·ceil(bits/64)·8         packed codes (bit_packing.h layout)
//   ...     n·4 i32 | n·classes u8    labels (absent for layout 0)
//   ...     n·8 i64                   ids (the item numbers the codes stand for)
//   end−8   8  u64                    checksum of every byte before it
// The checksum is FNV-1a over 64-bit words: the bytes read as little-endian u64 words (the
// last one zero-padded), h ← (h XOR word) · 1099511628211 from h = 14695981039346656037.
// Word-wise rather than byte-wise so a gigabyte of codes checks in a fraction of a second.
//
// Files are written to a temporary file and renamed, so a reader never sees a torn file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hashing/bit_packing.h"
#include "tensor/labels.h"

namespace hg::hashing {

constexpr uint32_t kCodeFileVersion = 1;

struct CodeSet {
  int bits = 0;
  int64_t count = 0;
  std::vector<uint64_t> words;  // count × words_per_code(bits)
  Labels labels;                // layout none, or `count` labels
  std::vector<int64_t> ids;     // count ids; search results report these

  PackedCodes packed() const { return {words.data(), count, bits}; }
  // Throws unless sizes agree and values are in range; `what` names the set in messages.
  void validate(const std::string& what) const;
  // Codes with ids 0..n-1 and the given labels.
  static CodeSet from_words(int bits, std::vector<uint64_t> words, Labels labels = {});
};

// FNV-1a over 64-bit words (see above), continuing from `state`.
uint64_t code_file_checksum(const uint8_t* bytes, size_t count,
                            uint64_t state = 14695981039346656037ULL);

void write_code_file(const std::string& path, const CodeSet& codes);

// Reads and checks a code file: magic, version, code length, label layout, the file size the
// header implies, and the checksum. Each failure names the file and what is wrong with it.
CodeSet read_code_file(const std::string& path);

// True when the file starts with the code-file magic (false when it cannot be opened).
bool is_code_file(const std::string& path);

}  // namespace hg::hashing
