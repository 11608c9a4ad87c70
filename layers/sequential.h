// Sequential (torch.nn.Sequential): modules applied one after the other. Children are named
// by position, "0", "1", ..., so a state dict reads "features.3.weight" as torch's does.
#pragma once

#include <initializer_list>
#include <memory>
#include <vector>

#include "layers/module.h"

namespace hg {

class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);

  // Appends `module` under the next position's name and returns it with its own type.
  template <typename Layer>
  std::shared_ptr<Layer> push_back(std::shared_ptr<Layer> module) {
    HG_CHECK(module != nullptr, "Sequential: cannot add a null module at position ", size());
    register_module(std::to_string(size()), std::shared_ptr<Module>(module));
    modules_.push_back(module);
    return module;
  }

  size_t size() const { return modules_.size(); }
  const std::shared_ptr<Module>& operator[](size_t index) const;

  Tensor forward(const Tensor& input) override;

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

}  // namespace hg
