// What the attention and backbone fixture tests (attention_test.cpp, backbones_fixture_test.cpp,
// backbones_test.cpp) share beyond test_support.h: norms, and the one gradient that is zero
// by construction.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tests/test_support.h"

namespace hg::test {

inline double norm(const Tensor& tensor) {
  double total = 0;
  for (double value : tensor.to(DType::f64).to_vector<double>()) total += value * value;
  return std::sqrt(total);
}

// Position attention's key_conv.bias b gets an analytically zero gradient: it adds Q_iᵀb to
// every energy of row i, a shift the softmax over j ignores. Both PyTorch and we hold only
// rounding noise there, so instead of comparing noise the tests check that it is noise: its norm
// is below `tolerance` times that of key_conv.weight's gradient.
inline bool is_key_bias(const std::string& name) {
  const std::string suffix = "key_conv.bias";
  return name.size() >= suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "pam.key_conv.bias" → "pam.key_conv.weight"
inline std::string key_weight_name(const std::string& key_bias_name) {
  return key_bias_name.substr(0, key_bias_name.size() - 4) + "weight";
}

inline void expect_zero_key_bias_gradient(const Tensor& bias, const Tensor& weight,
                                          double tolerance) {
  EXPECT_LE(norm(bias.grad()), tolerance * norm(weight.grad()));
}

}  // namespace hg::test
