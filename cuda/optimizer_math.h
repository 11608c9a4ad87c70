// The per-element update rules of the optimizers, written once for the CPU loop
// (tensor/cpu/optimizer_step.h) and the fused CUDA kernel (cuda/optimizer_step.cu).
// They follow torch.optim exactly, so a run can be compared with PyTorch step by step.
#pragma once

#include "core/host_device.h"
#include "cuda/elementwise_math.h"

namespace hg {

enum class OptimizerRule { sgd, adam, rmsprop };

struct OptimizerHyperparameters {
  double learning_rate = 1e-3;
  double weight_decay = 0;
  bool decoupled_weight_decay = false;  // AdamW: p ← p(1 − lr·λ) instead of g ← g + λp
  double momentum = 0;                  // SGD
  bool nesterov = false;                // SGD
  double beta1 = 0.9, beta2 = 0.999;    // Adam
  double alpha = 0.99;                  // RMSprop smoothing
  double epsilon = 1e-8;                // Adam, RMSprop
  long step = 1;  // 1 on the first update (Adam's bias correction, SGD's buffer)
};

// One parameter element p with gradient g and optimizer state (first, second):
//   SGD:     g += λp;  b = μb + g (b = g on step 1);  g = nesterov ? g + μb : b;  p -= lr·g
//   Adam:    g += λp (or p *= 1 − lr·λ for AdamW);  m = β1 m + (1−β1) g;  v = β2 v + (1−β2) g²
//            p -= lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε)
//   RMSprop: g += λp;  v = α v + (1−α) g²;  p -= lr · g / (√v + ε)
template <typename T>
HG_HOST_DEVICE void optimizer_update(OptimizerRule rule, const OptimizerHyperparameters& h,
                                     T bias_correction1, T bias_correction2, T& p, T g, T& first,
                                     T& second) {
  T lr = T(h.learning_rate), decay = T(h.weight_decay);
  if (h.decoupled_weight_decay)
    p *= T(1) - lr * decay;
  else
    g += decay * p;
  switch (rule) {
    case OptimizerRule::sgd: {
      if (h.momentum != 0) {
        T momentum = T(h.momentum);
        first = h.step == 1 ? g : momentum * first + g;
        g = h.nesterov ? g + momentum * first : first;
      }
      p -= lr * g;
      break;
    }
    case OptimizerRule::adam: {
      first = T(h.beta1) * first + T(1.0 - h.beta1) * g;
      second = T(h.beta2) * second + T(1.0 - h.beta2) * g * g;
      p -= lr * (first / bias_correction1) / (math_sqrt(second / bias_correction2) + T(h.epsilon));
      break;
    }
    case OptimizerRule::rmsprop: {
      second = T(h.alpha) * second + T(1.0 - h.alpha) * g * g;
      p -= lr * g / (math_sqrt(second) + T(h.epsilon));
      break;
    }
  }
}

}  // namespace hg
