// Fuzz target: a code file's bytes as they lie on disk. Few mutations survive the checksum, so
// code_file_checksummed_fuzzer covers what lies behind it.
#include "hashing/code_file.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hg::fuzz::write_file("input.hgc", data, size);
  hg::fuzz::refusal_allowed([&] { hg::hashing::read_code_file(path); });
  return 0;
}
