// Fuzz target: a folder-per-class tree. Each input line `class/file[:content]` becomes a file of
// a fresh tree (at most 16 files, names without '..'); `content` is its bytes, and a file named
// *.png without content is a valid PNG. The tree is then read as a dataset, every image decoded.
#include <sstream>

#include "data/image_io.h"
#include "data/image_list.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  // Encoded once: stb_image_write's compressor allocates and clears a 128 KiB table per PNG.
  static const std::vector<uint8_t> png_bytes =
      hg::data::encode_png(hg::data::Image(hg::data::ImageSize{3, 5, 3}));
  static const std::string png(png_bytes.begin(), png_bytes.end());
  const fs::path root = hg::fuzz::scratch_folder() / "tree";
  fs::remove_all(root);
  fs::create_directories(root);
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
  std::string line;
  for (int files = 0; files < 16 && std::getline(lines, line); ++files) {
    const size_t colon = line.find(':');
    const fs::path relative = line.substr(0, colon);
    bool safe = !relative.empty() && relative.is_relative();
    for (const fs::path& part : relative) safe = safe && part != ".." && part != ".";
    if (!safe || std::distance(relative.begin(), relative.end()) > 3) continue;
    const fs::path file = root / relative;
    std::error_code error;
    fs::create_directories(file.parent_path(), error);
    if (error || fs::is_directory(file)) continue;
    const std::string content = colon != std::string::npos   ? line.substr(colon + 1)
                                : file.extension() == ".png" ? png
                                                             : std::string();
    std::ofstream(file, std::ios::binary) << content;
  }
  hg::data::ImageListOptions options;
  options.height = options.width = 8;
  options.cache = hg::data::CacheMode::always;
  options.skip_corrupt = true;
  hg::fuzz::refusal_allowed(
      [&] { hg::data::ImageListDataset::from_folder(root.string(), options); });
  return 0;
}
