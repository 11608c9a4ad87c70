// Codes and labels from whatever file a user has: a hashgrad code file, or NumPy arrays in the
// layout NumPy and FAISS use (numpy.packbits rows of uint8 for codes; int class ids or a 0/1
// multi-hot matrix for labels). Every command that reads codes goes through load_codes, so
// they all accept the same files; export_npy writes the other direction.
#pragma once

#include <string>

#include "hashing/code_file.h"

namespace hg::hashing {

struct CodeSource {
  std::string codes_path;   // a code file, or a .npy of uint8 packbits rows (n × ceil(bits/8))
  std::string labels_path;  // optional .npy labels; replaces labels stored in a code file
  int bits = 0;             // .npy codes only: the code length when less than 8 × columns
};

// Reads the codes (recognised by their first bytes, not their name) and the labels. Messages
// name the file at fault.
CodeSet load_codes(const CodeSource& source);

// Labels from a .npy: a 1-D (or n × 1) integer array is class ids, an n × c integer or bool
// array of 0/1 (c ≥ 2) is multi-hot. `expected_count` rows are required.
Labels read_labels_npy(const std::string& path, int64_t expected_count);

// The .npy forms of a code set, as NumPy and FAISS read them.
void write_codes_npy(const std::string& path, const CodeSet& codes);   // uint8 [n, ceil(bits/8)]
void write_labels_npy(const std::string& path, const Labels& labels);  // int32 [n] or uint8 [n, c]

}  // namespace hg::hashing
