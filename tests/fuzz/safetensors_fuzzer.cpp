// Fuzz target: a safetensors file's bytes as they lie on disk (length, header, data).
#include "tensor/safetensors.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hg::fuzz::write_file("input.safetensors", data, size);
  hg::fuzz::refusal_allowed([&] { hg::read_safetensors(path); });
  return 0;
}
