// Fuzz target: a config file, read into every setting of a training run as `hashgrad train`
// does (read_training_setup reads each key with its type and range), then --set lines.
#include "tests/fuzz/fuzz_input.h"
#include "train/config.h"
#include "train/training_setup.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hg::fuzz::write_file("input.conf", data, size);
  hg::fuzz::refusal_allowed([&] { hg::read_training_setup(hg::Config::load(path)); });
  hg::fuzz::refusal_allowed([&] {
    hg::Config config;
    config.set_from_text(std::string(reinterpret_cast<const char*>(data), size));
    hg::read_training_setup(config);
  });
  return 0;
}
