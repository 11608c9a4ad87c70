// The per-thread precision of the lowered ops and the rounding of their operands
// (autograd/mixed_precision.h).
#include "autograd/mixed_precision.h"

#include "core/error.h"
#include "tensor/channels_last.h"

namespace hg {

namespace {
thread_local Precision precision_now = Precision::f32;
}  // namespace

Precision parse_precision(const std::string& value, const std::string& key) {
  if (value == "f32") return Precision::f32;
  if (value == "bf16") return Precision::bf16;
  throw Error(detail::concat(key, " = '", value, "' is not a precision: use f32 or bf16"));
}

const char* precision_name(Precision precision) {
  return precision == Precision::bf16 ? "bf16" : "f32";
}

Precision current_precision() { return precision_now; }

PrecisionScope::PrecisionScope(Precision precision) : previous_(precision_now) {
  precision_now = precision;
}

PrecisionScope::~PrecisionScope() { precision_now = previous_; }

Tensor lowered_operand(const Tensor& x, Precision precision, bool channels_last) {
  if (precision != Precision::bf16 || !x.defined() || x.dtype() != DType::f32) return x;
  return channels_last ? ops::channels_last(x, DType::bf16) : x.to(DType::bf16);
}

}  // namespace hg
