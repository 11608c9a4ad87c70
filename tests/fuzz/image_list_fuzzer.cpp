// Fuzz target: an image list file (`path label ...` or `path 0 1 0 ...` lines). The folder it lies
// in holds a small PNG and JPEG, so lines naming them decode; every image is decoded up front
// (cache always) and resized to 8 x 8.
#include "data/image_io.h"
#include "data/image_list.h"
#include "tests/fuzz/fuzz_input.h"

namespace {
void write_images() {
  hg::data::Image image(hg::data::ImageSize{4, 6, 3});
  for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<uint8_t>(i * 37);
  hg::data::write_png((hg::fuzz::scratch_folder() / "a.png").string(), image);
  hg::data::write_jpeg((hg::fuzz::scratch_folder() / "b.jpg").string(), image);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool images_written = (write_images(), true);
  (void)images_written;
  const std::string path = hg::fuzz::write_file("list.txt", data, size);
  hg::data::ImageListOptions options;
  options.height = options.width = 8;
  options.cache = hg::data::CacheMode::always;
  hg::fuzz::refusal_allowed([&] { hg::data::ImageListDataset::from_list(path, options); });
  options.skip_corrupt_images = true;
  options.channels = 1;
  hg::fuzz::refusal_allowed([&] { hg::data::ImageListDataset::from_list(path, options); });
  return 0;
}
