// Fuzz target: an IDX file's bytes as they lie on disk (plain, or a gzip stream zlib inflates),
// read as an images file (3 dims) and as a labels file (1 dim).
#include "data/idx.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hg::fuzz::write_file("input-idx-ubyte", data, size);
  hg::fuzz::refusal_allowed([&] { hg::data::read_idx(path, 3); });
  hg::fuzz::refusal_allowed([&] { hg::data::read_idx(path, 1); });
  return 0;
}
