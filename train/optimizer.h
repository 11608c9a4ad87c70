// Optimizers: SGD (momentum, Nesterov), Adam, AdamW, RMSprop, as torch.optim defines them.
//
// One class, the rule a parameter: the rules differ only in the per-element update of
// cuda/optimizer_math.h, which one fused kernel applies to each parameter.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cuda/optimizer_math.h"
#include "tensor/tensor.h"

namespace hg {

class Optimizer {
 public:
  Optimizer(std::vector<Tensor> parameters, OptimizerRule rule,
            OptimizerHyperparameters hyperparameters);

  // One update of every parameter that has a gradient: prepare_step(), then apply_step().
  void step();
  // The host's half of a step, never inside a CUDA graph: the state on the first step, and this
  // step's values (learning rate, step, Adam's bias corrections) written where the update reads
  // them, on the parameters' device; the step count moves on.
  void prepare_step();
  // The device's half, which a CUDA graph captures (train/step_runner.h): the fused update of
  // every parameter that has a gradient, reading the values the last prepare_step wrote.
  void apply_step();
  void zero_grad();

  double learning_rate() const { return hyperparameters_.learning_rate; }
  void set_learning_rate(double learning_rate) { hyperparameters_.learning_rate = learning_rate; }
  long step_count() const { return hyperparameters_.step - 1; }
  OptimizerRule rule() const { return rule_; }

  // State for checkpoints: "step" and, per parameter index i, "i.first" / "i.second".
  std::map<std::string, Tensor> state_dict() const;
  void load_state_dict(const std::map<std::string, Tensor>& state);

 private:
  std::vector<Tensor> parameters_;
  std::vector<Tensor> first_, second_;  // allocated on the first step, like torch's state
  Tensor step_values_;  // f64 (tensor/optimizer_step.h): where the update reads this step's values
  OptimizerRule rule_;
  OptimizerHyperparameters hyperparameters_;
};

Optimizer make_sgd(std::vector<Tensor> parameters, double learning_rate, double momentum = 0,
                   bool nesterov = false, double weight_decay = 0);
Optimizer make_adam(std::vector<Tensor> parameters, double learning_rate = 1e-3,
                    double weight_decay = 0, double beta1 = 0.9, double beta2 = 0.999,
                    double epsilon = 1e-8);
Optimizer make_adamw(std::vector<Tensor> parameters, double learning_rate = 1e-3,
                     double weight_decay = 1e-2, double beta1 = 0.9, double beta2 = 0.999,
                     double epsilon = 1e-8);
Optimizer make_rmsprop(std::vector<Tensor> parameters, double learning_rate = 1e-2,
                       double alpha = 0.99, double epsilon = 1e-8, double weight_decay = 0);
// Builds one from its name ("sgd", "adam", "adamw", "rmsprop"); throws naming the choices.
Optimizer make_optimizer(const std::string& name, std::vector<Tensor> parameters,
                         double learning_rate, double weight_decay, double momentum);

// Scales every gradient so their joint L2 norm is at most `max_norm` (torch's
// clip_grad_norm_); returns the norm before clipping.
double clip_grad_norm(const std::vector<Tensor>& parameters, double max_norm);

}  // namespace hg
