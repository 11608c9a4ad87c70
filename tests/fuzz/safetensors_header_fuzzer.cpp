// Fuzz target: a safetensors header and its data. The input is the header's JSON, a zero byte,
// then the data; the target writes the 8-byte length the format starts with, so mutations go to
// the JSON and the offsets rather than to a length that would mostly just be wrong.
#include <algorithm>

#include "tensor/safetensors.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t* end = data + size;
  const uint8_t* split = std::find(data, end, uint8_t{0});
  const uint64_t header_bytes = static_cast<uint64_t>(split - data);
  std::vector<uint8_t> file(8);
  for (int i = 0; i < 8; ++i) file[i] = static_cast<uint8_t>(header_bytes >> (8 * i));
  file.insert(file.end(), data, split);
  if (split != end) file.insert(file.end(), split + 1, end);
  const std::string path = hg::fuzz::write_file("input.safetensors", file.data(), file.size());
  hg::fuzz::refusal_allowed([&] { hg::read_safetensors(path); });
  return 0;
}
