// Element types of a Tensor and the compile-time dispatch from a DType to a C++ type.
//
//   f32  the working type        f64  CPU, for gradcheck's finite differences
//   bf16 GPU mixed precision     i32/i64 indices and labels
//   u8   images                  u64  packed binary codes
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "core/error.h"
#include "cuda/bf16.h"

namespace hg {

enum class DType { f32, f64, bf16, i32, i64, u8, u64 };

inline size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return 4;
    case DType::f64:
      return 8;
    case DType::bf16:
      return 2;
    case DType::i32:
      return 4;
    case DType::i64:
      return 8;
    case DType::u8:
      return 1;
    case DType::u64:
      return 8;
  }
  return 0;
}

inline const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "f32";
    case DType::f64:
      return "f64";
    case DType::bf16:
      return "bf16";
    case DType::i32:
      return "i32";
    case DType::i64:
      return "i64";
    case DType::u8:
      return "u8";
    case DType::u64:
      return "u64";
  }
  return "?";
}

inline bool is_floating(DType dtype) {
  return dtype == DType::f32 || dtype == DType::f64 || dtype == DType::bf16;
}

// The DType of a C++ type: dtype_of<float>() == DType::f32.
template <typename T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>)
    return DType::f32;
  else if constexpr (std::is_same_v<T, double>)
    return DType::f64;
  else if constexpr (std::is_same_v<T, bf16>)
    return DType::bf16;
  else if constexpr (std::is_same_v<T, int32_t>)
    return DType::i32;
  else if constexpr (std::is_same_v<T, int64_t>)
    return DType::i64;
  else if constexpr (std::is_same_v<T, uint8_t>)
    return DType::u8;
  else {
    static_assert(std::is_same_v<T, uint64_t>, "no DType for this C++ type");
    return DType::u64;
  }
}

// Call `body(T{})` with T the C++ type of `dtype`. Ops write their kernel call once as a
// generic lambda; the narrower dispatchers below instantiate it only for the types they accept.
template <typename Body>
decltype(auto) dispatch_all(DType dtype, Body&& body) {
  switch (dtype) {
    case DType::f32:
      return body(float{});
    case DType::f64:
      return body(double{});
    case DType::bf16:
      return body(bf16{});
    case DType::i32:
      return body(int32_t{});
    case DType::i64:
      return body(int64_t{});
    case DType::u8:
      return body(uint8_t{});
    case DType::u64:
      return body(uint64_t{});
  }
  throw Error("unknown dtype");
}

// dispatch_all restricted to the types for which Accepted<T>::value holds; any other dtype
// throws naming `op` and `expected`.
template <template <typename> class Accepted, typename Body>
decltype(auto) dispatch_if(DType dtype, const char* op, const char* expected, Body&& body) {
  using Result = decltype(body(float{}));
  return dispatch_all(dtype, [&](auto zero) -> Result {
    if constexpr (Accepted<decltype(zero)>::value) {
      return body(zero);
    } else {
      throw Error(detail::concat(op, ": ", expected, ", got ", dtype_name(dtype)));
    }
  });
}

template <typename T>
struct IsComputeFloating
    : std::bool_constant<std::is_same_v<T, float> || std::is_same_v<T, double>> {};
template <typename T>
struct IsNumeric : std::bool_constant<!std::is_same_v<T, bf16>> {};

//   dispatch_floating(x.dtype(), "exp", [&](auto zero) { using T = decltype(zero); ... });
template <typename Body>
decltype(auto) dispatch_floating(DType dtype, const char* op, Body&& body) {
  return dispatch_if<IsComputeFloating>(dtype, op, "expected a floating tensor (f32 or f64)", body);
}

// Numeric types that arithmetic, comparisons and copies accept (everything but bf16, which is
// storage only: cast it to f32 to compute).
template <typename Body>
decltype(auto) dispatch_numeric(DType dtype, const char* op, Body&& body) {
  return dispatch_if<IsNumeric>(dtype, op, "bf16 is a storage type, cast it to f32 to compute",
                                body);
}

}  // namespace hg
