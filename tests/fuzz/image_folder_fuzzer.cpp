// Fuzz target: a folder-per-class tree. Each input line `class/file[:content]` becomes a file of
// a fresh tree (at most 16 files, names without '..'); `content` is its bytes, and a file named
// *.png without content is a valid PNG. The tree is then read as a dataset, every image decoded.
#include <sstream>

#include "data/image_io.h"
#include "data/image_list.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
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
    if (colon == std::string::npos && file.extension() == ".png") {
      hg::data::Image image(hg::data::ImageSize{3, 5, 3});
      hg::data::write_png(file.string(), image);
    } else {
      const std::string content = colon == std::string::npos ? "" : line.substr(colon + 1);
      std::ofstream(file, std::ios::binary) << content;
    }
  }
  hg::data::ImageListOptions options;
  options.height = options.width = 8;
  options.cache = hg::data::CacheMode::always;
  options.skip_corrupt = true;
  hg::fuzz::refusal_allowed(
      [&] { hg::data::ImageListDataset::from_folder(root.string(), options); });
  return 0;
}
