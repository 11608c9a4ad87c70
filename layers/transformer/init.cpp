// Truncated-normal initialisation (see init.h).
#include "layers/transformer/init.h"

#include <vector>

#include "autograd/node.h"
#include "layers/init.h"
#include "tensor/copy.h"
#include "tensor/random.h"

namespace hg::init {

void trunc_normal(const Tensor& tensor, double std, double low, double high) {
  check_defined(tensor, "init::trunc_normal");
  HG_CHECK(std > 0 && low < high, "init::trunc_normal: need std > 0 and low < high, got std ", std,
           ", bounds [", low, ", ", high, "]");
  std::vector<double> values =
      ops::normal({tensor.numel()}, 0, std, DType::f64).to_vector<double>();
  auto outside = [&](double value) { return value < low || value > high; };
  std::vector<size_t> rejected;
  for (size_t i = 0; i < values.size(); ++i)
    if (outside(values[i])) rejected.push_back(i);
  // Redraw only the rejected elements until every one lands inside the bounds.
  while (!rejected.empty()) {
    std::vector<double> redrawn =
        ops::normal({static_cast<int64_t>(rejected.size())}, 0, std, DType::f64)
            .to_vector<double>();
    std::vector<size_t> still_rejected;
    for (size_t j = 0; j < rejected.size(); ++j) {
      values[rejected[j]] = redrawn[j];
      if (outside(redrawn[j])) still_rejected.push_back(rejected[j]);
    }
    rejected.swap(still_rejected);
  }
  NoGradGuard no_grad;
  ops::copy_(tensor, Tensor::from_vector(values, tensor.shape()).to(tensor.device()));
}

void timm_linear(const Linear& layer, double std) {
  trunc_normal(layer.weight(), std);
  if (layer.bias().defined()) constant(layer.bias(), 0);
}

}  // namespace hg::init
