// Window order, relative position index and shifted-window mask (see windows.h).
#include "layers/transformer/windows.h"

#include <vector>

namespace hg {

Tensor window_order(int64_t height, int64_t width, int64_t window_size, int64_t shift) {
  HG_CHECK(window_size > 0 && height % window_size == 0 && width % window_size == 0,
           "window_order: a ", height, " x ", width, " map does not split into windows of ",
           window_size, " x ", window_size, "; choose a window size that divides both sides");
  HG_CHECK(shift >= 0 && shift < window_size, "window_order: shift ", shift,
           " must lie in [0, window size ", window_size, ")");
  const int64_t columns = width / window_size, tokens = window_size * window_size;
  std::vector<int64_t> order(static_cast<size_t>(height * width));
  for (int64_t slot = 0; slot < height * width; ++slot) {
    const int64_t window = slot / tokens, inside = slot % tokens;
    const int64_t y = (window / columns) * window_size + inside / window_size;
    const int64_t x = (window % columns) * window_size + inside % window_size;
    order[slot] = ((y + shift) % height) * width + (x + shift) % width;
  }
  return Tensor::from_vector(order, {height * width});
}

Tensor inverse_permutation(const Tensor& permutation) {
  HG_CHECK(permutation.dim() == 1 && permutation.dtype() == DType::i64,
           "inverse_permutation: expected an i64 vector, got ", permutation.description());
  std::vector<int64_t> forward = permutation.to_vector<int64_t>();
  const int64_t size = static_cast<int64_t>(forward.size());
  std::vector<int64_t> inverse(forward.size(), -1);
  for (int64_t i = 0; i < size; ++i) {
    HG_CHECK(forward[i] >= 0 && forward[i] < size && inverse[forward[i]] < 0,
             "inverse_permutation: value ", forward[i], " at ", i, " makes ",
             permutation.description(), " no permutation of 0..", size - 1);
    inverse[forward[i]] = i;
  }
  return Tensor::from_vector(inverse, {size});
}

Tensor relative_position_index(int64_t window_size) {
  HG_CHECK(window_size > 0, "relative_position_index: window size ", window_size,
           " must be positive");
  const int64_t tokens = window_size * window_size, span = 2 * window_size - 1;
  std::vector<int64_t> index(static_cast<size_t>(tokens * tokens));
  for (int64_t p = 0; p < tokens; ++p)
    for (int64_t q = 0; q < tokens; ++q) {
      const int64_t dy = p / window_size - q / window_size, dx = p % window_size - q % window_size;
      index[p * tokens + q] = (dy + window_size - 1) * span + (dx + window_size - 1);
    }
  return Tensor::from_vector(index, {tokens, tokens});
}

Tensor shifted_window_mask(int64_t height, int64_t width, int64_t window_size, int64_t shift) {
  HG_CHECK(window_size > 0 && height % window_size == 0 && width % window_size == 0,
           "shifted_window_mask: a ", height, " x ", width, " map does not split into windows of ",
           window_size, " x ", window_size);
  HG_CHECK(shift > 0 && shift < window_size, "shifted_window_mask: shift ", shift,
           " must lie in [1, window size ", window_size, ")");
  // Region of a row (or column) of the rolled map: 0 before the last window, 1 in the last
  // window but before the wrapped-around strip, 2 in the strip of `shift` tokens.
  auto region = [&](int64_t position, int64_t size) {
    return position < size - window_size ? 0 : position < size - shift ? 1 : 2;
  };
  const int64_t rows = height / window_size, columns = width / window_size;
  const int64_t tokens = window_size * window_size;
  std::vector<float> mask(static_cast<size_t>(rows * columns * tokens * tokens));
  for (int64_t window = 0; window < rows * columns; ++window) {
    std::vector<int> label(static_cast<size_t>(tokens));
    for (int64_t t = 0; t < tokens; ++t) {
      const int64_t y = (window / columns) * window_size + t / window_size;
      const int64_t x = (window % columns) * window_size + t % window_size;
      label[t] = 3 * region(y, height) + region(x, width);
    }
    float* block = mask.data() + window * tokens * tokens;
    for (int64_t p = 0; p < tokens; ++p)
      for (int64_t q = 0; q < tokens; ++q) block[p * tokens + q] = label[p] == label[q] ? 0 : -100;
  }
  return Tensor::from_vector(mask, {rows * columns, tokens, tokens});
}

}  // namespace hg
