// Fuzz target: IDX content behind gzip. The fuzzer's bytes are compressed before they are written,
// so mutations reach the IDX reader through a valid stream (idx_fuzzer mutates the stream itself).
#include <zlib.h>

#include "data/idx.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = (hg::fuzz::scratch_folder() / "input-idx-ubyte.gz").string();
  gzFile file = gzopen(path.c_str(), "wb1");
  if (size > 0) gzwrite(file, data, static_cast<unsigned>(size));
  gzclose(file);
  hg::fuzz::refusal_allowed([&] { hg::data::read_idx(path, 3); });
  hg::fuzz::refusal_allowed([&] { hg::data::read_idx(path, 1); });
  return 0;
}
