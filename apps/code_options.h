// Command-line helpers of the commands that read codes (search, eval, export): the --bits option
// of .npy codes, and how a label is printed. The general plumbing is apps/cli.h.
#pragma once

#include <string>

#include "apps/cli.h"
#include "hashing/bit_packing.h"
#include "tensor/labels.h"

namespace hg::app {

// --bits of .npy codes (one int, or one per code file): the code length when it is less than 8 ×
// the array's columns.
template <typename Bits>
CLI::Option* add_bits_option(CLI::App& app, Bits& bits, const std::string& help) {
  return app.add_option("--bits", bits, help)
      ->check(integer_in(hashing::kMinCodeBits, hashing::kMaxCodeBits));
}

// Item i's label as text: "3" for a class id, "0,5,7" for the classes of a multi-hot row, "-"
// without labels.
inline std::string label_text(const Labels& labels, int64_t i) {
  if (labels.empty()) return "-";
  std::string text;
  for (int64_t c : labels.classes_of(i)) text += (text.empty() ? "" : ",") + std::to_string(c);
  return text.empty() ? "none" : text;
}

}  // namespace hg::app
