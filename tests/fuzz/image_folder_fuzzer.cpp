// Fuzz target: a folder-per-class tree. Each input line `class/file[:content]` becomes a file of
// a fresh tree (at most 16 files, names without '..'); `content` is its bytes, and a file named
// *.png without content is a valid PNG. The tree is then read as a dataset, every image decoded.
#include <sstream>

#include "data/image_io.h"
#include "data/image_list.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace fs = std::filesystem;

// What the last input made under the tree's root, in the order it was made. Removed in reverse
// order rather than with remove_all, which opens every folder (glibc's opendir allocates 32 KiB,
// and remove_all and create_directories were a third of this target's time under ASan).
std::vector<fs::path>& made_paths() {
  static std::vector<fs::path> made;
  return made;
}

// Empties the tree for the next input: a path that cannot be removed (or a tree not made by this
// process) falls back to remove_all, so no input ever sees another's files.
const fs::path& empty_tree() {
  static const fs::path root = [] {
    const fs::path made = hg::fuzz::scratch_folder() / "tree";
    fs::remove_all(made);
    fs::create_directories(made);
    return made;
  }();
  std::error_code error;
  bool removed = true;
  std::vector<fs::path>& made = made_paths();
  for (auto path = made.rbegin(); path != made.rend(); ++path)
    removed = fs::remove(*path, error) && removed;
  made.clear();
  if (!removed) {
    fs::remove_all(root);
    fs::create_directories(root);
  }
  return root;
}

// Makes the folders from `root` down to `folder` that do not exist yet; false when one cannot be.
bool make_folders(const fs::path& root, const fs::path& relative_folder) {
  fs::path folder = root;
  for (const fs::path& part : relative_folder) {
    folder /= part;
    std::error_code error;
    if (fs::create_directory(folder, error)) made_paths().push_back(folder);
    if (error || !fs::is_directory(folder)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Encoded once: stb_image_write's compressor allocates and clears a 128 KiB table per PNG.
  static const std::vector<uint8_t> png_bytes =
      hg::data::encode_png(hg::data::Image(hg::data::ImageSize{3, 5, 3}));
  static const std::string png(png_bytes.begin(), png_bytes.end());
  const fs::path& root = empty_tree();
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
  std::string line;
  for (int files = 0; files < 16 && std::getline(lines, line); ++files) {
    const size_t colon = line.find(':');
    const fs::path relative = line.substr(0, colon);
    bool safe = !relative.empty() && relative.is_relative();
    for (const fs::path& part : relative) safe = safe && part != ".." && part != ".";
    if (!safe || std::distance(relative.begin(), relative.end()) > 3) continue;
    const fs::path file = root / relative;
    // The non-throwing overloads: a name the file system refuses (longer than 255 bytes) is
    // skipped like an unsafe one, not thrown out of the target.
    std::error_code error;
    if (!make_folders(root, relative.parent_path()) || fs::is_directory(file, error) || error)
      continue;
    const std::string content = colon != std::string::npos   ? line.substr(colon + 1)
                                : file.extension() == ".png" ? png
                                                             : std::string();
    const bool existed = fs::exists(file, error);
    hg::fuzz::write_file_at(file.string(), reinterpret_cast<const uint8_t*>(content.data()),
                            content.size());
    if (!existed && fs::exists(file, error)) made_paths().push_back(file);
  }
  hg::data::ImageListOptions options;
  options.height = options.width = 8;
  options.cache = hg::data::CacheMode::always;
  options.skip_corrupt_images = true;
  hg::fuzz::refusal_allowed(
      [&] { hg::data::ImageListDataset::from_folder(root.string(), options); });
  return 0;
}
