// Image list files, folder-per-class trees, and the decode-once cache (see image_list.h).
#include "data/image_list.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/path_status.h"
#include "core/quoted_text.h"
#include "data/image_io.h"
#include "data/progress.h"
#include "data/transforms.h"

namespace hg::data {

namespace {

namespace fs = std::filesystem;

constexpr int kMostClasses = 100'000;

struct ListLine {
  int number;  // 1-based line number in the file
  std::string path;
  std::vector<int> values;
};

std::string location(const std::string& list_path, int line) {
  return detail::concat(list_path, ":", line, ": ");
}

std::vector<ListLine> read_list_lines(const std::string& list_path) {
  errno = 0;
  std::ifstream in(list_path);
  HG_CHECK(in.good(), "cannot open image list '", list_path,
           "': ", errno != 0 ? std::strerror(errno) : "unknown error");
  std::vector<ListLine> lines;
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    std::istringstream fields(text);
    ListLine line{number, "", {}};
    if (!(fields >> line.path) || line.path[0] == '#') continue;
    for (std::string field; fields >> field;) {
      // Ids and 0/1 flags only: at most 9 digits keeps the value inside an int.
      bool digits = field.size() <= 9 && std::all_of(field.begin(), field.end(), [](char c) {
                      return std::isdigit(static_cast<unsigned char>(c)) != 0;
                    });
      HG_CHECK(digits, location(list_path, number), "label '", quoted_text(field),
               "' is not a non-negative integer");
      // The labels become a lines x classes matrix: one line with label 999999999 would ask for
      // a gigabyte per line.
      line.values.push_back(std::stoi(field));
      HG_CHECK(line.values.back() < kMostClasses, location(list_path, number), "label ", field,
               " is not below ", kMostClasses, ", the most classes an image list may have");
    }
    HG_CHECK(!line.values.empty(), location(list_path, number), "'", quoted_text(line.path),
             "' has no label (expected 'path label [label ...]' or 'path 0 1 0 ...')");
    lines.push_back(std::move(line));
  }
  HG_CHECK(!lines.empty(), "image list '", list_path, "' holds no images");
  return lines;
}

bool looks_multi_hot(const std::vector<ListLine>& lines) {
  const size_t width = lines[0].values.size();
  if (width < 3) return false;
  for (const ListLine& line : lines) {
    if (line.values.size() != width) return false;
    for (int value : line.values)
      if (value > 1) return false;
  }
  return true;
}

// The multi-hot matrix of the lines, checked against the format and the class count.
std::vector<uint8_t> label_matrix(const std::vector<ListLine>& lines, const std::string& list_path,
                                  bool multi_hot, int& num_classes) {
  if (multi_hot) {
    const int width = static_cast<int>(lines[0].values.size());
    HG_CHECK(num_classes == 0 || width == num_classes, location(list_path, lines[0].number), width,
             " multi-hot values, but num_classes is ", num_classes);
    num_classes = width;
  } else if (num_classes == 0) {
    for (const ListLine& line : lines)
      for (int value : line.values) num_classes = std::max(num_classes, value + 1);
  }
  std::vector<uint8_t> matrix(lines.size() * num_classes, 0);
  for (size_t i = 0; i < lines.size(); ++i) {
    const ListLine& line = lines[i];
    uint8_t* row = matrix.data() + i * num_classes;
    if (multi_hot) {
      HG_CHECK(static_cast<int>(line.values.size()) == num_classes,
               location(list_path, line.number), line.values.size(), " multi-hot values, but line ",
               lines[0].number, " has ", num_classes);
      for (int k = 0; k < num_classes; ++k) {
        HG_CHECK(line.values[k] <= 1, location(list_path, line.number), "multi-hot value ",
                 line.values[k], " is not 0 or 1");
        row[k] = static_cast<uint8_t>(line.values[k]);
      }
    } else {
      for (int id : line.values) {
        HG_CHECK(id < num_classes, location(list_path, line.number), "label ", id,
                 " is out of range [0, ", num_classes, ")");
        row[id] = 1;
      }
    }
  }
  return matrix;
}

// Single-label Labels when every row has exactly one 1, multi-label otherwise.
Labels labels_from_matrix(std::vector<uint8_t> matrix, int num_classes) {
  std::vector<int32_t> class_ids;
  const size_t count = matrix.size() / num_classes;
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* row = matrix.data() + i * num_classes;
    if (std::count(row, row + num_classes, uint8_t{1}) != 1)
      return Labels::from_multi_hot(std::move(matrix), num_classes);
    class_ids.push_back(static_cast<int32_t>(std::find(row, row + num_classes, 1) - row));
  }
  return Labels::from_class_ids(std::move(class_ids), num_classes);
}

bool is_image_file(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".jpg" || extension == ".jpeg" || extension == ".png" || extension == ".bmp";
}

bool is_hidden(const fs::path& path) { return path.filename().string().rfind('.', 0) == 0; }

// The folder's entries that are folders (or image files), sorted. Listed with error codes: the
// throwing overloads end the command with std::filesystem's error, which quotes names raw.
std::vector<fs::path> sorted_entries(const fs::path& folder, bool want_folders) {
  std::vector<fs::path> found;
  std::error_code error;
  for (fs::directory_iterator entry(folder, error), end; !error && entry != end;
       entry.increment(error)) {
    if (is_hidden(entry->path())) continue;
    if (want_folders ? is_folder(entry->path())
                     : (is_image_file(entry->path()) && is_file(entry->path())))
      found.push_back(entry->path());
  }
  HG_CHECK(!error, "cannot list the folder '", quoted_text(folder.string()),
           "': ", error.message());
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

std::shared_ptr<ImageListDataset> ImageListDataset::from_list(const std::string& list_path,
                                                              const ImageListOptions& options) {
  std::vector<ListLine> lines = read_list_lines(list_path);
  bool multi_hot = options.label_format == LabelFormat::multi_hot ||
                   (options.label_format == LabelFormat::automatic && looks_multi_hot(lines));
  int num_classes = options.num_classes;
  std::vector<uint8_t> matrix = label_matrix(lines, list_path, multi_hot, num_classes);
  const fs::path folder = fs::path(list_path).parent_path();
  std::vector<Entry> entries;
  for (const ListLine& line : lines) {
    fs::path path(line.path);
    entries.push_back(
        {(path.is_absolute() ? path : folder / path).string(), location(list_path, line.number)});
  }
  return std::shared_ptr<ImageListDataset>(
      new ImageListDataset(list_path, std::move(entries),
                           labels_from_matrix(std::move(matrix), num_classes), {}, options));
}

std::shared_ptr<ImageListDataset> ImageListDataset::from_folder(const std::string& root,
                                                                const ImageListOptions& options) {
  HG_CHECK(is_folder(root), "image folder '", root, "' does not exist or is not a folder");
  std::vector<fs::path> class_folders = sorted_entries(root, true);
  HG_CHECK(!class_folders.empty(), "image folder '", root,
           "' has no class subfolders (expected root/<class name>/<image files>)");
  HG_CHECK(
      options.num_classes == 0 || options.num_classes == static_cast<int>(class_folders.size()),
      "image folder '", root, "' has ", class_folders.size(),
      " class subfolders, but num_classes is ", options.num_classes);
  std::vector<Entry> entries;
  std::vector<int32_t> class_ids;
  std::vector<std::string> class_names;
  for (const fs::path& class_folder : class_folders) {
    for (const fs::path& file : sorted_entries(class_folder, false)) {
      entries.push_back({file.string(), ""});
      class_ids.push_back(static_cast<int32_t>(class_names.size()));
    }
    class_names.push_back(class_folder.filename().string());
  }
  HG_CHECK(!entries.empty(), "image folder '", root,
           "' holds no .jpg, .jpeg, .png or .bmp files in its class subfolders");
  const int num_classes = static_cast<int>(class_names.size());
  return std::shared_ptr<ImageListDataset>(new ImageListDataset(
      root, std::move(entries), Labels::from_class_ids(std::move(class_ids), num_classes),
      std::move(class_names), options));
}

ImageListDataset::ImageListDataset(std::string name, std::vector<Entry> entries, Labels labels,
                                   std::vector<std::string> class_names,
                                   const ImageListOptions& options)
    : name_(std::move(name)),
      size_{options.height, options.width, options.channels},
      entries_(std::move(entries)),
      labels_(std::move(labels)),
      class_names_(std::move(class_names)),
      reducible_to_(options.height > 0 ? std::max(options.height, options.width)
                                       : options.reducible_to) {
  HG_CHECK(size_.height >= 0 && size_.width >= 0 && (size_.height > 0) == (size_.width > 0), name_,
           ": images are resized to height x width, both positive, or kept at their own "
           "size (0 x 0); got ",
           size_.height, "x", size_.width);
  HG_CHECK(size_.channels == 1 || size_.channels == 3, name_,
           ": images are read with 1 (grey) or 3 (RGB) channels, not ", size_.channels);
  const bool fixed_size = size_.height > 0;
  HG_CHECK(fixed_size || options.cache != CacheMode::always, name_,
           ": only images resized to one size can be cached; set the size");
  const int64_t cache_bytes = size() * size_.bytes();
  const bool keep_pixels =
      fixed_size &&
      (options.cache == CacheMode::always ||
       (options.cache == CacheMode::automatic && cache_bytes <= options.cache_limit_bytes));
  if (keep_pixels || options.skip_corrupt) decode_all(keep_pixels, options);
}

Image ImageListDataset::decode(int64_t index) const {
  const Entry& entry = entries_[index];
  try {
    Image image = decode_image(entry.path, size_.channels, reducible_to_);
    return size_.height > 0 ? resize_bilinear(image, size_.height, size_.width) : image;
  } catch (const Error& error) {
    throw Error(entry.where + error.what());
  }
}

void ImageListDataset::decode_all(bool keep_pixels, const ImageListOptions& options) {
  const int64_t count = size();
  const int64_t bytes = size_.bytes();
  std::vector<uint8_t> pixels(keep_pixels ? static_cast<size_t>(count * bytes) : 0);
  std::vector<std::string> failures(static_cast<size_t>(count));
  {
    ProgressBar bar("decode " + fs::path(name_).filename().string(), count);
#pragma omp parallel for schedule(dynamic, 8)
    for (int64_t i = 0; i < count; ++i) {
      // Exceptions cannot leave an OpenMP loop: each failure is kept and reported after it.
      try {
        Image image = decode(i);
        if (keep_pixels)
          std::copy(image.pixels.begin(), image.pixels.end(), pixels.begin() + i * bytes);
      } catch (const std::exception& error) {
        failures[i] = error.what();
      }
      bar.advance();
    }
  }
  std::vector<int64_t> good;
  for (int64_t i = 0; i < count; ++i)
    if (failures[i].empty()) good.push_back(i);
  const int64_t bad = count - static_cast<int64_t>(good.size());
  if (bad > 0 && !options.skip_corrupt) {
    const std::string& first = *std::find_if(failures.begin(), failures.end(),
                                             [](const std::string& f) { return !f.empty(); });
    throw Error(detail::concat(first, bad > 1 ? detail::concat(" (and ", bad - 1, " more)") : "",
                               "; set skip_corrupt to skip unreadable images with a warning"));
  }
  for (const std::string& failure : failures) {
    if (failure.empty()) continue;
    warnings_.push_back("skipped: " + failure);
    if (options.on_warning) options.on_warning(warnings_.back());
  }
  if (bad > 0) {
    warnings_.push_back(detail::concat(name_, ": skipped ", bad, " of ", count,
                                       " images that could not be decoded"));
    if (options.on_warning) options.on_warning(warnings_.back());
  }
  HG_CHECK(!good.empty(), name_, ": none of its ", count, " images could be decoded");
  skipped_ = bad;
  if (bad > 0) {
    std::vector<Entry> kept;
    for (size_t k = 0; k < good.size(); ++k) {
      kept.push_back(std::move(entries_[good[k]]));
      // Moving rows down in place: good[k] > k means the rows do not overlap.
      if (keep_pixels && good[k] != static_cast<int64_t>(k))
        std::copy_n(pixels.begin() + good[k] * bytes, bytes, pixels.begin() + k * bytes);
    }
    entries_ = std::move(kept);
    labels_ = labels_.gather(good);
    if (keep_pixels) pixels.resize(good.size() * bytes);
  }
  pixels_ = std::move(pixels);
}

Image ImageListDataset::image(int64_t index) const {
  check_index(index);
  if (!cached()) return decode(index);
  Image result(size_);
  std::copy_n(pixels_.begin() + index * size_.bytes(), size_.bytes(), result.pixels.begin());
  return result;
}

EncodedImage ImageListDataset::encoded(int64_t index) const {
  check_index(index);
  if (cached() || size_.height > 0) return {};
  const Entry& entry = entries_[index];
  try {
    return {entry.path, read_image_file(entry.path)};
  } catch (const Error& error) {
    throw Error(entry.where + error.what());
  }
}

const std::string& ImageListDataset::path(int64_t index) const {
  check_index(index);
  return entries_[index].path;
}

}  // namespace hg::data
