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

// How many times the list's own size a multi-label list of class ids may ask for as labels. Its
// labels are an images x classes byte matrix (tensor/labels.h) while an id takes a few bytes of
// the list, so one mistyped id (88881 for 8) among 270,000 lines would ask for 24 GB, and a
// 5.7 KB list took seconds (a fuzz finding). The multi-label lists of hashing ask for less than
// the list's size (NUS-WIDE's 21 or 81 classes, COCO's 80); multi-hot rows, a value per class,
// are never refused by it.
constexpr int64_t kMostLabelBytesPerListByte = 128;

struct ListLine {
  int number;  // 1-based line number in the file
  std::string path;
  std::vector<int> values;
};

struct ListFile {
  std::vector<ListLine> lines;
  int64_t bytes = 0;
};

std::string location(const std::string& list_path, int line) {
  return detail::concat(list_path, ":", line, ": ");
}

ListFile read_list_file(const std::string& list_path) {
  errno = 0;
  std::ifstream in(list_path);
  HG_CHECK(in.good(), "cannot open image list '", list_path,
           "': ", errno != 0 ? std::strerror(errno) : "unknown error");
  ListFile list;
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    list.bytes += static_cast<int64_t>(text.size()) + (in.eof() ? 0 : 1);  // and its newline
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
      line.values.push_back(std::stoi(field));
      HG_CHECK(line.values.back() < kMostClasses, location(list_path, number), "label ", field,
               " is not below ", kMostClasses, ", the most classes an image list may have");
    }
    HG_CHECK(!line.values.empty(), location(list_path, number), "'", quoted_text(line.path),
             "' has no label (expected 'path label [label ...]' or 'path 0 1 0 ...')");
    list.lines.push_back(std::move(line));
  }
  HG_CHECK(!list.lines.empty(), "image list '", list_path, "' holds no images");
  return list;
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

// Each line's one class while every line has one (a single id, repeated or not, or a multi-hot
// row with a single 1); empty as soon as a line has several or none. Checks every line against
// the format and the class count.
std::vector<int32_t> single_classes(const std::vector<ListLine>& lines,
                                    const std::string& list_path, bool multi_hot, int num_classes) {
  std::vector<int32_t> classes;
  bool single_label = true;
  for (const ListLine& line : lines) {
    const std::vector<int>& values = line.values;
    if (multi_hot) {
      HG_CHECK(static_cast<int>(values.size()) == num_classes, location(list_path, line.number),
               values.size(), " multi-hot values, but line ", lines[0].number, " has ",
               num_classes);
      for (int value : values)
        HG_CHECK(value <= 1, location(list_path, line.number), "multi-hot value ", value,
                 " is not 0 or 1");
      single_label = single_label && std::count(values.begin(), values.end(), 1) == 1;
      if (single_label)
        classes.push_back(std::find(values.begin(), values.end(), 1) - values.begin());
    } else {
      for (int id : values)
        HG_CHECK(id < num_classes, location(list_path, line.number), "label ", id,
                 " is out of range [0, ", num_classes, ")");
      single_label = single_label && std::count(values.begin(), values.end(), values[0]) ==
                                         static_cast<std::ptrdiff_t>(values.size());
      if (single_label) classes.push_back(values[0]);
    }
  }
  return single_label ? classes : std::vector<int32_t>{};
}

// The labels of the list: class ids when every image has one class, else the images x classes
// multi-hot matrix. num_classes 0 takes the multi-hot width, or the largest id + 1.
Labels list_labels(const ListFile& list, const std::string& list_path, bool multi_hot,
                   int num_classes) {
  const std::vector<ListLine>& lines = list.lines;
  const bool classes_from_ids = !multi_hot && num_classes == 0;
  int largest_line = 0;  // the line of the largest id, when the ids give the class count
  if (multi_hot) {
    const int width = static_cast<int>(lines[0].values.size());
    HG_CHECK(num_classes == 0 || width == num_classes, location(list_path, lines[0].number), width,
             " multi-hot values, but num_classes is ", num_classes);
    num_classes = width;
  } else if (classes_from_ids) {
    for (const ListLine& line : lines)
      for (int value : line.values) {
        if (value + 1 <= num_classes) continue;
        num_classes = value + 1;
        largest_line = line.number;
      }
  }
  std::vector<int32_t> classes = single_classes(lines, list_path, multi_hot, num_classes);
  if (!classes.empty()) return Labels::from_class_ids(std::move(classes), num_classes);
  const int64_t matrix_bytes = static_cast<int64_t>(lines.size()) * num_classes;
  HG_CHECK(!classes_from_ids || matrix_bytes <= kMostLabelBytesPerListByte * list.bytes,
           location(list_path, largest_line), "label ", num_classes - 1, " makes ", num_classes,
           " classes: the labels of this multi-label list would take ", lines.size(), " x ",
           num_classes, " bytes, more than ", kMostLabelBytesPerListByte, " times the list's ",
           list.bytes, " bytes (a mistyped label? with that many classes, write each line's ",
           "labels as multi-hot values, a 0 or 1 per class)");
  std::vector<uint8_t> matrix(static_cast<size_t>(matrix_bytes), 0);
  for (size_t i = 0; i < lines.size(); ++i) {
    uint8_t* row = matrix.data() + i * num_classes;
    if (multi_hot)
      std::copy(lines[i].values.begin(), lines[i].values.end(), row);
    else
      for (int id : lines[i].values) row[id] = 1;
  }
  return Labels::from_multi_hot(std::move(matrix), num_classes);
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
  const ListFile list = read_list_file(list_path);
  const bool multi_hot =
      options.label_format == LabelFormat::multi_hot ||
      (options.label_format == LabelFormat::automatic && looks_multi_hot(list.lines));
  Labels labels = list_labels(list, list_path, multi_hot, options.num_classes);
  const fs::path folder = fs::path(list_path).parent_path();
  std::vector<Entry> entries;
  for (const ListLine& line : list.lines) {
    fs::path path(line.path);
    entries.push_back(
        {(path.is_absolute() ? path : folder / path).string(), location(list_path, line.number)});
  }
  return std::shared_ptr<ImageListDataset>(
      new ImageListDataset(list_path, std::move(entries), std::move(labels), {}, options));
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
  if (keep_pixels || options.skip_corrupt_images) decode_all(keep_pixels, options);
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
  if (bad > 0 && !options.skip_corrupt_images) {
    const std::string& first = *std::find_if(failures.begin(), failures.end(),
                                             [](const std::string& f) { return !f.empty(); });
    throw Error(detail::concat(
        first, bad > 1 ? detail::concat(" (and ", bad - 1, " more)") : "",
        "; set skip_corrupt_images = true to skip unreadable images with a warning"));
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
