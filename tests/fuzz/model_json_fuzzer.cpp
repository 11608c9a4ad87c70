// Fuzz target: a run directory's model.json, read into a model description.
#include "tests/fuzz/fuzz_input.h"
#include "train/trained_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hg::fuzz::write_file("model.json", data, size);
  hg::fuzz::refusal_allowed([&] { hg::load_model_description(path); });
  return 0;
}
