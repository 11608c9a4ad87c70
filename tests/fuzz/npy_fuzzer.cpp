// Fuzz target: a .npy file, read and converted to integers or floats as the commands do.
#include "hashing/npy.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hg::fuzz::write_file("input.npy", data, size);
  hg::fuzz::refusal_allowed([&] {
    hg::hashing::NpyArray array = hg::hashing::read_npy(path);
    if (array.is_integer()) array.to_int64();
    array.to_float();
  });
  return 0;
}
