// Optimizer bookkeeping around the fused update (tensor/optimizer_step.h).
#include "train/optimizer.h"

#include <cmath>

#include "autograd/node.h"
#include "cuda/optimizer_step.h"
#include "tensor/ops.h"
#include "tensor/optimizer_step.h"

namespace hg {

Optimizer::Optimizer(std::vector<Tensor> parameters, OptimizerRule rule,
                     OptimizerHyperparameters hyperparameters)
    : parameters_(std::move(parameters)), rule_(rule), hyperparameters_(hyperparameters) {
  hyperparameters_.step = 1;
  for (const Tensor& parameter : parameters_)
    HG_CHECK(parameter.requires_grad(), "optimizer: parameter ", parameter.description(),
             " does not require a gradient");
}

void Optimizer::step() {
  prepare_step();
  apply_step();
}

void Optimizer::prepare_step() {
  if (parameters_.empty()) return;
  const Device device = parameters_.front().device();
  if (first_.empty()) {
    for (const Tensor& parameter : parameters_) {
      first_.push_back(Tensor::zeros(parameter.shape(), parameter.dtype(), parameter.device()));
      second_.push_back(Tensor::zeros(parameter.shape(), parameter.dtype(), parameter.device()));
    }
  }
  // Copied into the same tensor every step: a captured update keeps reading its address.
  if (!step_values_.defined())
    step_values_ = Tensor::zeros({kOptimizerStepValues}, DType::f64, device);
  ops::copy_(step_values_, ops::optimizer_step_values(hyperparameters_, Device::cpu));
  ++hyperparameters_.step;
}

void Optimizer::apply_step() {
  NoGradGuard no_grad;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    Tensor gradient = parameters_[i].grad();
    if (!gradient.defined()) continue;
    ops::optimizer_step_(rule_, hyperparameters_, step_values_, parameters_[i],
                         gradient.contiguous(), first_[i], second_[i]);
  }
}

void Optimizer::zero_grad() {
  for (Tensor& parameter : parameters_) parameter.zero_grad();
}

std::map<std::string, Tensor> Optimizer::state_dict() const {
  std::map<std::string, Tensor> state;
  state["step"] = Tensor::scalar(static_cast<double>(hyperparameters_.step), DType::i64);
  for (size_t i = 0; i < first_.size(); ++i) {
    state[std::to_string(i) + ".first"] = first_[i];
    state[std::to_string(i) + ".second"] = second_[i];
  }
  return state;
}

void Optimizer::load_state_dict(const std::map<std::string, Tensor>& state) {
  auto step = state.find("step");
  HG_CHECK(step != state.end(), "optimizer state: 'step' is missing");
  hyperparameters_.step = static_cast<long>(step->second.item<int64_t>());
  first_.clear();
  second_.clear();
  if (!state.count("0.first")) return;  // saved before the first step
  for (size_t i = 0; i < parameters_.size(); ++i) {
    for (auto [suffix, list] : {std::pair{".first", &first_}, std::pair{".second", &second_}}) {
      auto found = state.find(std::to_string(i) + suffix);
      HG_CHECK(found != state.end(), "optimizer state: '", i, suffix, "' is missing");
      HG_CHECK(found->second.shape() == parameters_[i].shape(), "optimizer state: '", i, suffix,
               "' has shape ", shape_string(found->second.shape()), ", parameter ", i, " has ",
               shape_string(parameters_[i].shape()));
      list->push_back(found->second.to(parameters_[i].dtype()).to(parameters_[i].device()).clone());
    }
  }
}

Optimizer make_sgd(std::vector<Tensor> parameters, double learning_rate, double momentum,
                   bool nesterov, double weight_decay) {
  OptimizerHyperparameters h;
  h.learning_rate = learning_rate;
  h.momentum = momentum;
  h.nesterov = nesterov;
  h.weight_decay = weight_decay;
  return Optimizer(std::move(parameters), OptimizerRule::sgd, h);
}

namespace {
OptimizerHyperparameters adam_hyperparameters(double learning_rate, double weight_decay,
                                              bool decoupled, double beta1, double beta2,
                                              double epsilon) {
  OptimizerHyperparameters h;
  h.learning_rate = learning_rate;
  h.weight_decay = weight_decay;
  h.decoupled_weight_decay = decoupled;
  h.beta1 = beta1;
  h.beta2 = beta2;
  h.epsilon = epsilon;
  return h;
}
}  // namespace

Optimizer make_adam(std::vector<Tensor> parameters, double learning_rate, double weight_decay,
                    double beta1, double beta2, double epsilon) {
  return Optimizer(std::move(parameters), OptimizerRule::adam,
                   adam_hyperparameters(learning_rate, weight_decay, false, beta1, beta2, epsilon));
}

Optimizer make_adamw(std::vector<Tensor> parameters, double learning_rate, double weight_decay,
                     double beta1, double beta2, double epsilon) {
  return Optimizer(std::move(parameters), OptimizerRule::adam,
                   adam_hyperparameters(learning_rate, weight_decay, true, beta1, beta2, epsilon));
}

Optimizer make_rmsprop(std::vector<Tensor> parameters, double learning_rate, double alpha,
                       double epsilon, double weight_decay) {
  OptimizerHyperparameters h;
  h.learning_rate = learning_rate;
  h.alpha = alpha;
  h.epsilon = epsilon;
  h.weight_decay = weight_decay;
  return Optimizer(std::move(parameters), OptimizerRule::rmsprop, h);
}

Optimizer make_optimizer(const std::string& name, std::vector<Tensor> parameters,
                         double learning_rate, double weight_decay, double momentum) {
  if (name == "sgd")
    return make_sgd(std::move(parameters), learning_rate, momentum, false, weight_decay);
  if (name == "nesterov")
    return make_sgd(std::move(parameters), learning_rate, momentum, true, weight_decay);
  if (name == "adam") return make_adam(std::move(parameters), learning_rate, weight_decay);
  if (name == "adamw") return make_adamw(std::move(parameters), learning_rate, weight_decay);
  if (name == "rmsprop")
    return make_rmsprop(std::move(parameters), learning_rate, 0.99, 1e-8, weight_decay);
  throw Error("unknown optimizer '" + name + "' (expected sgd, nesterov, adam, adamw or rmsprop)");
}

double clip_grad_norm(const std::vector<Tensor>& parameters, double max_norm) {
  NoGradGuard no_grad;
  // Each Σg² stays on the device until one copy brings them all over: on the GPU one wait per
  // step instead of one per parameter.
  std::vector<Tensor> squares;
  for (const Tensor& parameter : parameters) {
    Tensor gradient = parameter.grad();
    if (gradient.defined())
      squares.push_back(ops::sum(ops::mul(gradient, gradient)).to(DType::f64));
  }
  double squared = 0;
  if (!squares.empty())
    for (double square : ops::stack(squares, 0).to_vector<double>()) squared += square;
  double norm = std::sqrt(squared);
  if (norm > max_norm) {
    double scale = max_norm / (norm + 1e-6);
    for (const Tensor& parameter : parameters) {
      Tensor gradient = parameter.grad();
      if (gradient.defined())
        const_cast<Tensor&>(parameter).set_grad(ops::mul_scalar(gradient, scale));
    }
  }
  return norm;
}

}  // namespace hg
