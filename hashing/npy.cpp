// .npy reading and writing (see npy.h).
#include "hashing/npy.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "core/atomic_write.h"
#include "core/error.h"
#include "core/quoted_text.h"

namespace hg::hashing {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLength = 6;

size_t type_size(const std::string& type) {
  if (type.size() == 2 && (type[0] == 'b' || type[0] == 'i' || type[0] == 'u' || type[0] == 'f')) {
    int size = type[1] - '0';
    bool valid = type[0] == 'b'   ? size == 1
                 : type[0] == 'f' ? (size == 4 || size == 8)
                                  : (size == 1 || size == 2 || size == 4 || size == 8);
    if (valid) return static_cast<size_t>(size);
  }
  return 0;
}

// The value of `key` in the header dict: the text after "'key':" up to the matching end
// (a quoted string, a parenthesised tuple, or a bare word).
std::string dict_value(const std::string& header, const std::string& key, const std::string& path) {
  size_t at = header.find("'" + key + "'");
  HG_CHECK(at != std::string::npos, path, ": .npy header has no '", key,
           "' entry: ", quoted_text(header));
  at = header.find(':', at);
  HG_CHECK(at != std::string::npos, path, ": malformed .npy header: ", quoted_text(header));
  ++at;
  while (at < header.size() && header[at] == ' ') ++at;
  HG_CHECK(at < header.size(), path, ": malformed .npy header: ", quoted_text(header));
  char open = header[at];
  if (open == '\'' || open == '"') {
    size_t end = header.find(open, at + 1);
    HG_CHECK(end != std::string::npos, path, ": malformed .npy header: ", quoted_text(header));
    return header.substr(at + 1, end - at - 1);
  }
  if (open == '(') {
    size_t end = header.find(')', at);
    HG_CHECK(end != std::string::npos, path, ": malformed .npy header: ", quoted_text(header));
    return header.substr(at + 1, end - at - 1);
  }
  size_t end = header.find_first_of(",}", at);
  return header.substr(at, end - at);
}

Shape parse_shape(const std::string& text, const std::string& path) {
  Shape shape;
  size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && (text[at] == ' ' || text[at] == ',')) ++at;
    if (at >= text.size()) break;
    size_t used = 0;
    long long size = -1;
    try {
      size = std::stoll(text.substr(at), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    HG_CHECK(used > 0 && size >= 0, path, ": cannot read the .npy shape (", quoted_text(text), ")");
    shape.push_back(size);
    at += used;
  }
  return shape;
}

// Fortran order (column-major) to C order: element with C index (i0, ..., in) sits at Fortran
// offset i0 + s0·(i1 + s1·(i2 + ...)).
std::vector<uint8_t> fortran_to_c(const std::vector<uint8_t>& bytes, const Shape& shape,
                                  size_t item) {
  std::vector<uint8_t> result(bytes.size());
  int64_t count = shape_numel(shape);
  Shape index(shape.size(), 0);
  for (int64_t c_offset = 0; c_offset < count; ++c_offset) {
    int64_t f_offset = 0, scale = 1;
    for (size_t d = 0; d < shape.size(); ++d) {
      f_offset += index[d] * scale;
      scale *= shape[d];
    }
    std::memcpy(&result[c_offset * item], &bytes[f_offset * item], item);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return result;
}

template <typename T>
T load(const uint8_t* at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  return value;
}

// Calls body(T{}) with T the C++ type of a type code.
template <typename Body>
void visit_type(const std::string& type, Body&& body) {
  if (type == "b1" || type == "u1")
    body(uint8_t{});
  else if (type == "i1")
    body(int8_t{});
  else if (type == "i2")
    body(int16_t{});
  else if (type == "u2")
    body(uint16_t{});
  else if (type == "i4")
    body(int32_t{});
  else if (type == "u4")
    body(uint32_t{});
  else if (type == "i8")
    body(int64_t{});
  else if (type == "u8")
    body(uint64_t{});
  else if (type == "f4")
    body(float{});
  else
    body(double{});
}

template <typename Result>
std::vector<Result> convert(const NpyArray& array) {
  std::vector<Result> values(static_cast<size_t>(array.numel()));
  visit_type(array.type, [&](auto zero) {
    using T = decltype(zero);
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = static_cast<Result>(load<T>(&array.bytes[i * sizeof(T)]));
  });
  return values;
}

}  // namespace

size_t NpyArray::item_size() const { return type_size(type); }

bool NpyArray::is_integer() const { return !type.empty() && type[0] != 'f'; }

std::vector<int64_t> NpyArray::to_int64() const {
  HG_CHECK(is_integer(), path, ": expected an integer array, found type ", type);
  if (type == "u8") {
    for (int64_t i = 0; i < numel(); ++i)
      HG_CHECK(load<uint64_t>(&bytes[i * 8]) <= static_cast<uint64_t>(INT64_MAX), path,
               ": value at flat index ", i, " does not fit in int64");
  }
  return convert<int64_t>(*this);
}

std::vector<float> NpyArray::to_float() const { return convert<float>(*this); }

NpyArray read_npy(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  HG_CHECK(stream, "cannot open ", path);
  std::vector<uint8_t> file((std::istreambuf_iterator<char>(stream)),
                            std::istreambuf_iterator<char>());
  HG_CHECK(file.size() >= kMagicLength + 4 && std::memcmp(file.data(), kMagic, kMagicLength) == 0,
           path, " is not a .npy file (no \\x93NUMPY magic)");
  const int major = file[6];
  HG_CHECK(major >= 1 && major <= 3, path, ": .npy format version ", major, ".", int(file[7]),
           " is not supported (1.0 to 3.0 are)");
  size_t header_length = 0, header_start = 0;
  if (major == 1) {
    header_length = file[8] | (static_cast<size_t>(file[9]) << 8);
    header_start = 10;
  } else {
    HG_CHECK(file.size() >= 12, path, ": truncated .npy header");
    header_length = file[8] | (static_cast<size_t>(file[9]) << 8) |
                    (static_cast<size_t>(file[10]) << 16) | (static_cast<size_t>(file[11]) << 24);
    header_start = 12;
  }
  HG_CHECK(file.size() >= header_start + header_length, path, ": truncated .npy header");
  std::string header(reinterpret_cast<const char*>(&file[header_start]), header_length);

  NpyArray array;
  array.path = path;
  std::string descr = dict_value(header, "descr", path);
  HG_CHECK(descr.size() == 3, path, ": unsupported .npy dtype '", quoted_text(descr),
           "' (expected integer, bool or float)");
  array.type = descr.substr(1);
  HG_CHECK(type_size(array.type) > 0, path, ": unsupported .npy dtype '", quoted_text(descr),
           "' (expected integer, bool or float)");
  const char order = descr[0];
  HG_CHECK(order == '<' || order == '|' || (order == '>' && array.item_size() == 1), path,
           ": big-endian .npy data ('", descr,
           "') is not supported; save it little-endian "
           "(array.astype(array.dtype.newbyteorder('<')))");
  const bool fortran = dict_value(header, "fortran_order", path).find("True") != std::string::npos;
  array.shape = parse_shape(dict_value(header, "shape", path), path);

  const size_t data_start = header_start + header_length;
  // No shape may declare over 2^48 elements, zeros aside: a header of (2^40, 2^40, 0) must not
  // overflow the products below. Everything else is checked against the file's size.
  constexpr uint64_t kMostElements = uint64_t{1} << 48;
  uint64_t elements = 1;
  for (int64_t size : array.shape) {
    const uint64_t factor = size == 0 ? 1 : static_cast<uint64_t>(size);
    HG_CHECK(factor <= kMostElements / elements, path, ": shape ",
             quoted_text(shape_string(array.shape)), " declares more than 2^48 elements (corrupt)");
    elements *= factor;
  }
  const size_t expected = static_cast<size_t>(array.numel()) * array.item_size();
  HG_CHECK(file.size() - data_start == expected, path, ": shape ", shape_string(array.shape),
           " of ", descr, " needs ", expected, " data bytes, the file has ",
           file.size() - data_start, (file.size() - data_start < expected ? " (truncated)" : ""));
  array.bytes.assign(file.begin() + static_cast<std::ptrdiff_t>(data_start), file.end());
  if (fortran && array.shape.size() > 1)
    array.bytes = fortran_to_c(array.bytes, array.shape, array.item_size());
  return array;
}

void write_npy(const std::string& path, const std::string& type, const Shape& shape,
               const void* data) {
  HG_CHECK(type_size(type) > 0, "write_npy ", path, ": unknown type '", type, "'");
  // Byte for byte what numpy.save writes (numpy/lib/format.py, NumPy 1.24): "(3, 2)" and "(5,)",
  // spare spaces so the first dimension can grow in place, then padding to 64 bytes.
  std::string shape_text = "(";
  for (size_t d = 0; d < shape.size(); ++d)
    shape_text += std::to_string(shape[d]) + (d + 1 < shape.size() ? ", "
                                              : shape.size() == 1  ? ","
                                                                   : "");
  shape_text += ")";
  std::string byte_order = type_size(type) == 1 ? "|" : "<";
  std::string header = "{'descr': '" + byte_order + type +
                       "', 'fortran_order': False, 'shape': " + shape_text + ", }";
  constexpr size_t kGrowthDigits = 21;
  if (!shape.empty()) header.append(kGrowthDigits - std::to_string(shape[0]).size(), ' ');
  size_t total = kMagicLength + 4 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  HG_CHECK(header.size() < 65536, "write_npy ", path, ": header too long");
  const size_t bytes = static_cast<size_t>(shape_numel(shape)) * type_size(type);
  write_atomically(path, [&](std::ostream& out) {
    out.write(kMagic, kMagicLength);
    const char version_and_length[4] = {1, 0, static_cast<char>(header.size() & 0xFF),
                                        static_cast<char>(header.size() >> 8)};
    out.write(version_and_length, 4);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  });
}

}  // namespace hg::hashing
