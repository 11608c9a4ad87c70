// Central-difference gradient check (see gradcheck.h).
#include "autograd/gradcheck.h"

#include <cmath>
#include <random>

#include "autograd/elementwise.h"
#include "autograd/node.h"
#include "autograd/reduce.h"

namespace hg {

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& function,
                          const std::vector<Tensor>& inputs, double epsilon, double atol,
                          double rtol) {
  for (const Tensor& input : inputs) {
    HG_CHECK(!input.requires_grad() ||
                 (input.dtype() == DType::f64 && !input.is_cuda() && input.is_contiguous()),
             "gradcheck: differentiated inputs must be contiguous f64 CPU tensors, got ",
             input.description());
    if (input.requires_grad()) const_cast<Tensor&>(input).zero_grad();
  }
  Tensor output = function(inputs);
  std::mt19937_64 generator(12345);
  std::uniform_real_distribution<double> weight(0.5, 1.5);
  std::vector<double> weights(output.numel());
  for (double& w : weights)
    w = std::bernoulli_distribution(0.5)(generator) ? weight(generator) : -weight(generator);
  Tensor weight_tensor = Tensor::from_vector(weights, output.shape());
  backward(sum(output * weight_tensor));

  auto weighted_loss = [&] {
    NoGradGuard no_grad;
    Tensor value = function(inputs).contiguous();
    const double* data = value.data<double>();
    double total = 0;
    for (size_t i = 0; i < weights.size(); ++i) total += data[i] * weights[i];
    return total;
  };

  GradcheckResult result;
  result.passed = true;
  double worst_excess = -1;
  for (size_t input_index = 0; input_index < inputs.size(); ++input_index) {
    const Tensor& input = inputs[input_index];
    if (!input.requires_grad()) continue;
    Tensor analytic = input.grad();
    HG_CHECK(analytic.defined(), "gradcheck: input ", input_index, " received no gradient");
    std::vector<double> analytic_values = analytic.to_vector<double>();
    double* values = input.data<double>();
    for (int64_t i = 0; i < input.numel(); ++i) {
      double saved = values[i];
      values[i] = saved + epsilon;
      double plus = weighted_loss();
      values[i] = saved - epsilon;
      double minus = weighted_loss();
      values[i] = saved;
      double numeric = (plus - minus) / (2 * epsilon);
      double error = std::abs(analytic_values[i] - numeric);
      double excess = error - (atol + rtol * std::abs(numeric));
      result.max_abs_error = std::max(result.max_abs_error, error);
      if (excess > 0) result.passed = false;
      if (excess > worst_excess) {
        worst_excess = excess;
        result.report = detail::concat("input ", input_index, " element ", i, ": analytic ",
                                       analytic_values[i], ", numeric ", numeric);
      }
    }
  }
  return result;
}

}  // namespace hg
