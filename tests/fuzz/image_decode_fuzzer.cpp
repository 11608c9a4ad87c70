// Fuzz target: one image decoder. Built once per format (HASHGRAD_FUZZ_IMAGE_FORMAT): an input
// that lacks the bytes the format's files start with gets them in front, so every input
// reaches that format's decoder instead of being refused as an unknown format. Decoded as RGB and
// as grey, as image lists and folders ask.
#include <cstring>

#include "data/image_io.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string format = HASHGRAD_FUZZ_IMAGE_FORMAT;
  static const std::string magic = format == "png"    ? std::string("\x89PNG\r\n\x1a\n", 8)
                                   : format == "jpeg" ? std::string("\xff\xd8", 2)
                                                      : std::string("BM");
  std::vector<uint8_t> file;
  if (size < magic.size() || std::memcmp(data, magic.data(), magic.size()) != 0)
    file.assign(magic.begin(), magic.end());
  file.insert(file.end(), data, data + size);
  const std::string path = hg::fuzz::write_file("input.image", file.data(), file.size());
  hg::fuzz::refusal_allowed([&] { hg::data::decode_image(path, 3); });
  hg::fuzz::refusal_allowed([&] { hg::data::decode_image(path, 1); });
  return 0;
}
