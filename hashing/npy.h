// NumPy .npy files: the interchange format for codes, labels, features and search results.
//
// Format (numpy/lib/format.py): magic "\x93NUMPY", version (1.0, 2.0 or 3.0), a header length
// (u16, or u32 from 2.0), a Python dict literal
//     {'descr': '<i8', 'fortran_order': False, 'shape': (1000, 8), }
// padded with spaces to a 64-byte boundary, then the raw elements. We read every little-endian
// integer, bool and float type NumPy writes for these arrays, in C or Fortran order, and write
// version 1.0 files in C order. Anything else is refused with a message naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "tensor/shape.h"

namespace hg::hashing {

struct NpyArray {
  // The type code without byte order: b1 i1 u1 i2 u2 i4 u4 i8 u8 f4 f8.
  std::string type;
  Shape shape;
  std::vector<uint8_t> bytes;  // C order, little-endian
  std::string path;            // where it came from, for messages

  int64_t numel() const { return shape_numel(shape); }
  size_t item_size() const;
  bool is_integer() const;  // integer or bool
  // Every element as int64 (integer and bool types only; throws naming the file otherwise).
  std::vector<int64_t> to_int64() const;
  // Every element as float (any type).
  std::vector<float> to_float() const;
};

NpyArray read_npy(const std::string& path);

// Writes `data` (C order, `shape`) as a version 1.0 .npy through a temp file and a rename.
// `type` is one of NpyArray's type codes.
void write_npy(const std::string& path, const std::string& type, const Shape& shape,
               const void* data);

template <typename T>
const char* npy_type();
template <>
inline const char* npy_type<uint8_t>() {
  return "u1";
}
template <>
inline const char* npy_type<int32_t>() {
  return "i4";
}
template <>
inline const char* npy_type<int64_t>() {
  return "i8";
}
template <>
inline const char* npy_type<float>() {
  return "f4";
}

template <typename T>
void write_npy(const std::string& path, const std::vector<T>& values, const Shape& shape) {
  HG_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape), "write_npy ", path, ": ",
           values.size(), " values do not fill shape ", shape_string(shape));
  write_npy(path, npy_type<T>(), shape, values.data());
}

}  // namespace hg::hashing
