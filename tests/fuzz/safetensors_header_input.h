// The safetensors file safetensors_header_fuzzer makes of its input: the input is the header's
// JSON, a zero byte, then the data; the file gets the 8-byte little-endian header length the
// format starts with, so mutations go to the JSON and the offsets rather than to a length that
// would mostly just be wrong. fuzz_regression_test replays the inputs it found the same way.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hg::fuzz {

inline std::vector<uint8_t> safetensors_file_of_input(const uint8_t* data, size_t size) {
  const uint8_t* end = data + size;
  const uint8_t* split = std::find(data, end, uint8_t{0});
  const uint64_t header_bytes = static_cast<uint64_t>(split - data);
  std::vector<uint8_t> file(8);
  for (int i = 0; i < 8; ++i) file[i] = static_cast<uint8_t>(header_bytes >> (8 * i));
  file.insert(file.end(), data, split);
  if (split != end) file.insert(file.end(), split + 1, end);
  return file;
}

}  // namespace hg::fuzz
