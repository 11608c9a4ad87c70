// Dropout module (torch.nn.Dropout): active in training mode, the identity in evaluation mode
// (Module::eval()). The formula and the seeding are in autograd/dropout.h.
#pragma once

#include "autograd/dropout.h"
#include "layers/module.h"

namespace hg {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5) : p_(p) {
    HG_CHECK(p >= 0 && p <= 1, "Dropout: probability ", p, " is outside [0, 1]");
  }
  Tensor forward(const Tensor& input) override { return dropout(input, p_, is_training()); }
  double p() const { return p_; }

 private:
  double p_;
};

}  // namespace hg
