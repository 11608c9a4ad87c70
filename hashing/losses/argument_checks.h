// Argument checks shared by the hashing losses, so that every loss rejects a bad call with a
// message that names the loss, the argument and its shape.
#pragma once

#include <string>

#include "tensor/tensor.h"

namespace hg::hashing::detail {

// Relaxed codes u: a non-empty floating matrix [n, c].
inline void check_codes(const Tensor& codes, const char* loss) {
  check_defined(codes, loss);
  HG_CHECK(codes.dim() == 2 && codes.size(0) > 0 && codes.size(1) > 0 && is_floating(codes.dtype()),
           loss, ": codes must be a non-empty floating matrix [n, bits], got ",
           codes.description());
}

// `argument` (called `name` in the message) must be [rows, columns] with the dtype and device of
// `codes`; −1 accepts any size in that place.
inline void check_matrix(const Tensor& argument, const char* name, int64_t rows, int64_t columns,
                         const Tensor& codes, const char* loss) {
  check_defined(argument, loss);
  HG_CHECK(argument.dim() == 2 && (rows < 0 || argument.size(0) == rows) &&
               (columns < 0 || argument.size(1) == columns),
           loss, ": ", name, " ", argument.description(), " must be [",
           rows < 0 ? std::string("any") : std::to_string(rows), ", ",
           columns < 0 ? std::string("any") : std::to_string(columns), "] for codes ",
           codes.description());
  check_same_device_and_dtype(codes, argument, loss);
}

}  // namespace hg::hashing::detail
