// Loading codes from code files or .npy arrays, and writing .npy (see code_io.h).
#include "hashing/code_io.h"

#include "core/error.h"
#include "hashing/npy.h"

namespace hg::hashing {

namespace {

CodeSet codes_from_npy(const std::string& path, int bits) {
  NpyArray array = read_npy(path);
  HG_CHECK(array.type == "u1" && array.shape.size() == 2, path,
           ": expected packed codes as uint8 [n, bits/8] (numpy.packbits(codes > 0, axis=1)), "
           "found ",
           array.type, " ", shape_string(array.shape));
  const int64_t row_bytes = array.shape[1];
  if (bits == 0) bits = static_cast<int>(row_bytes * 8);
  check_code_bits(bits, path.c_str());
  HG_CHECK(bytes_per_code(bits) == row_bytes, path, ": ", bits, "-bit codes take ",
           bytes_per_code(bits), " bytes per row, the array has ", row_bytes);
  std::vector<uint64_t> words(static_cast<size_t>(array.shape[0] * words_per_code(bits)));
  words_from_packbits(array.bytes.data(), array.shape[0], bits, row_bytes, words.data());
  return CodeSet::from_words(bits, std::move(words));
}

}  // namespace

Labels read_labels_npy(const std::string& path, int64_t expected_count) {
  NpyArray array = read_npy(path);
  HG_CHECK(array.is_integer(), path, ": labels must be integers or bools, found ", array.type);
  HG_CHECK(!array.shape.empty() && array.shape[0] == expected_count, path, ": ",
           array.shape.empty() ? 0 : array.shape[0], " label rows for ", expected_count, " codes");
  std::vector<int64_t> values = array.to_int64();
  if (array.shape.size() == 1 || (array.shape.size() == 2 && array.shape[1] == 1)) {
    std::vector<int32_t> ids(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      HG_CHECK(values[i] >= 0 && values[i] <= INT32_MAX, path, ": class id ", values[i], " of row ",
               i, " is not a class id (0 to 2^31-1)");
      ids[i] = static_cast<int32_t>(values[i]);
    }
    return Labels::from_class_ids(std::move(ids));
  }
  HG_CHECK(array.shape.size() == 2 && array.shape[1] > 0, path,
           ": labels must be [n] class ids or an [n, classes] multi-hot matrix, found shape ",
           shape_string(array.shape));
  std::vector<uint8_t> rows(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    HG_CHECK(values[i] == 0 || values[i] == 1, path, ": multi-hot value ", values[i], " at row ",
             i / array.shape[1], ", column ", i % array.shape[1], " is not 0 or 1");
    rows[i] = static_cast<uint8_t>(values[i]);
  }
  return Labels::from_multi_hot(std::move(rows), array.shape[1]);
}

CodeSet load_codes(const CodeSource& source) {
  HG_CHECK(!source.codes_path.empty(), "no codes file given");
  CodeSet codes;
  if (is_code_file(source.codes_path)) {
    codes = read_code_file(source.codes_path);
    HG_CHECK(source.bits == 0 || source.bits == codes.bits, source.codes_path, " holds ",
             codes.bits, "-bit codes, but ", source.bits, " bits were asked for");
  } else {
    codes = codes_from_npy(source.codes_path, source.bits);
  }
  if (!source.labels_path.empty()) codes.labels = read_labels_npy(source.labels_path, codes.count);
  codes.validate(source.codes_path);
  return codes;
}

void write_codes_npy(const std::string& path, const CodeSet& codes) {
  std::vector<uint8_t> bytes(static_cast<size_t>(codes.count * bytes_per_code(codes.bits)));
  packbits_from_words(codes.words.data(), codes.count, codes.bits, bytes.data());
  write_npy(path, bytes, {codes.count, bytes_per_code(codes.bits)});
}

void write_labels_npy(const std::string& path, const Labels& labels) {
  switch (labels.layout()) {
    case LabelLayout::class_ids:
      write_npy(path, labels.class_ids(), {labels.count()});
      return;
    case LabelLayout::multi_hot:
      write_npy(path, labels.matrix(), {labels.count(), labels.num_classes()});
      return;
    case LabelLayout::none:
      break;
  }
  throw Error(detail::concat("write_labels_npy ", path, ": the codes have no labels to write"));
}

}  // namespace hg::hashing
