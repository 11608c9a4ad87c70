// Learning-rate schedules as torch.optim.lr_scheduler defines them, evaluated by step
// (an epoch-based schedule passes the epoch number).
//   constant   lr
//   step       lr · γ^⌊t / step_size⌋
//   multistep  lr · γ^(number of milestones ≤ t)
//   cosine     lr_min + (lr − lr_min)(1 + cos(π t / T)) / 2
// A linear warmup from lr/warmup_steps to lr over the first warmup_steps wraps any of them.
#pragma once

#include <string>
#include <vector>

namespace hg {

struct LrSchedule {
  std::string kind = "constant";  // constant, step, multistep, cosine
  double base_learning_rate = 1e-3;
  long step_size = 1;
  double gamma = 0.1;
  std::vector<long> milestones;
  long total_steps = 1;
  double minimum_learning_rate = 0;
  long warmup_steps = 0;

  // The learning rate at step t (t = 0 for the first update). Throws on an unknown kind.
  double at(long t) const;
};

}  // namespace hg
