// Learning-rate schedules (formulas in lr_schedule.h).
#include "train/lr_schedule.h"

#include <cmath>

#include "core/error.h"

namespace hg {

double LrSchedule::at(long t) const {
  if (warmup_steps > 0 && t < warmup_steps)
    return base_learning_rate * static_cast<double>(t + 1) / static_cast<double>(warmup_steps);
  if (kind == "constant") return base_learning_rate;
  if (kind == "step") {
    HG_CHECK(step_size > 0, "lr schedule 'step': step_size must be positive, got ", step_size);
    return base_learning_rate * std::pow(gamma, static_cast<double>(t / step_size));
  }
  if (kind == "multistep") {
    int passed = 0;
    for (long milestone : milestones) passed += t >= milestone;
    return base_learning_rate * std::pow(gamma, passed);
  }
  if (kind == "cosine") {
    double progress =
        std::min(1.0, static_cast<double>(t) / static_cast<double>(std::max(total_steps, 1L)));
    return minimum_learning_rate +
           (base_learning_rate - minimum_learning_rate) * (1 + std::cos(M_PI * progress)) / 2;
  }
  throw Error("unknown lr schedule '" + kind + "' (expected constant, step, multistep or cosine)");
}

}  // namespace hg
