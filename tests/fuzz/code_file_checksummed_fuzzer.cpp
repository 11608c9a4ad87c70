// Fuzz target: a code file whose last 8 bytes are replaced by the checksum of the rest, so the
// mutated header, codes, labels and ids reach the checks behind the checksum.
#include <cstring>

#include "hashing/code_file.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> file(data, data + size);
  if (file.size() >= 8) {
    const uint64_t checksum = hg::hashing::code_file_checksum(file.data(), file.size() - 8);
    std::memcpy(file.data() + file.size() - 8, &checksum, 8);
  }
  const std::string path = hg::fuzz::write_file("input.hgc", file.data(), file.size());
  hg::fuzz::refusal_allowed([&] { hg::hashing::read_code_file(path); });
  return 0;
}
