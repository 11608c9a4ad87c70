// Fuzz target: a safetensors header and its data, the input made a file as
// safetensors_header_input.h says.
#include "tensor/safetensors.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/safetensors_header_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> file = hg::fuzz::safetensors_file_of_input(data, size);
  const std::string path = hg::fuzz::write_file("input.safetensors", file.data(), file.size());
  hg::fuzz::refusal_allowed([&] { hg::read_safetensors(path); });
  return 0;
}
