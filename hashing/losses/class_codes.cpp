// Class codes and per-sample targets (see class_codes.h).
#include "hashing/losses/class_codes.h"

#include <algorithm>
#include <random>
#include <vector>

#include "tensor/elementwise.h"
#include "tensor/indexing.h"
#include "tensor/matmul.h"

namespace hg::hashing {

namespace {

bool is_power_of_two(int64_t value) { return value > 0 && (value & (value - 1)) == 0; }

Tensor make(const std::vector<double>& values, const Shape& shape, DType dtype, Device device) {
  HG_CHECK(is_floating(dtype), "class codes are stored in a floating dtype, not ",
           dtype_name(dtype));
  return Tensor::from_vector(values, shape).to(dtype).to(device);
}

// Appends `rows` balanced codes to `values`. The modulo's bias is below bits / 2^64.
void append_balanced_codes(std::vector<double>& values, int64_t rows, int64_t bits, uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::vector<double> code(static_cast<size_t>(bits));
  for (int64_t row = 0; row < rows; ++row) {
    for (int64_t k = 0; k < bits; ++k) code[k] = k < bits / 2 ? -1.0 : 1.0;
    for (int64_t k = bits - 1; k > 0; --k)
      std::swap(code[k], code[generator() % static_cast<uint64_t>(k + 1)]);
    values.insert(values.end(), code.begin(), code.end());
  }
}

}  // namespace

Tensor hadamard(int64_t size, DType dtype, Device device) {
  HG_CHECK(is_power_of_two(size), "hadamard: size ", size,
           " is not a power of two (Sylvester's construction needs one)");
  std::vector<double> values(static_cast<size_t>(size * size));
  for (int64_t i = 0; i < size; ++i)
    for (int64_t j = 0; j < size; ++j)
      values[i * size + j] = __builtin_popcountll(static_cast<uint64_t>(i & j)) % 2 ? -1.0 : 1.0;
  return make(values, {size, size}, dtype, device);
}

Tensor random_balanced_codes(int64_t rows, int64_t bits, uint64_t seed, DType dtype,
                             Device device) {
  HG_CHECK(rows >= 0 && bits > 0, "random_balanced_codes: need rows ≥ 0 and bits > 0, got ", rows,
           " rows of ", bits, " bits");
  std::vector<double> values;
  append_balanced_codes(values, rows, bits, seed);
  return make(values, {rows, bits}, dtype, device);
}

Tensor class_codes(int64_t num_classes, int64_t bits, uint64_t seed, DType dtype, Device device) {
  HG_CHECK(num_classes > 0 && bits > 0, "class_codes: need num_classes > 0 and bits > 0, got ",
           num_classes, " classes of ", bits, " bits");
  std::vector<double> values;
  int64_t hadamard_rows = 0;
  if (is_power_of_two(bits)) {
    hadamard_rows = std::min(num_classes, 2 * bits);
    std::vector<double> h = hadamard(bits, DType::f64).to_vector<double>();
    for (int64_t row = 0; row < hadamard_rows; ++row)
      for (int64_t k = 0; k < bits; ++k)
        values.push_back(row < bits ? h[row * bits + k] : -h[(row - bits) * bits + k]);
  }
  append_balanced_codes(values, num_classes - hadamard_rows, bits, seed);
  return make(values, {num_classes, bits}, dtype, device);
}

Tensor label_targets(const Tensor& labels, const Tensor& class_codes, uint64_t seed) {
  check_defined(labels, "label_targets");
  check_defined(class_codes, "label_targets");
  HG_CHECK(labels.dim() == 2 && class_codes.dim() == 2 && labels.size(1) == class_codes.size(0),
           "label_targets: labels ", labels.description(), " must be [n, C] for class codes ",
           class_codes.description(), " [C, bits]");
  check_same_device_and_dtype(labels, class_codes, "label_targets");
  int64_t bits = class_codes.size(1);
  std::mt19937_64 generator(seed);
  std::vector<double> fill(static_cast<size_t>(bits));
  for (double& bit : fill) bit = generator() >> 63 ? 1.0 : -1.0;
  Tensor summed = ops::sign(ops::matmul(labels, class_codes));
  Tensor tied =
      ops::binary(BinaryOp::eq, summed, Tensor::scalar(0, summed.dtype(), summed.device()));
  return ops::where(tied, make(fill, {bits}, summed.dtype(), summed.device()), summed);
}

}  // namespace hg::hashing
