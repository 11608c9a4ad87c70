// Sequential: registration by position and the chained forward.
#include "layers/sequential.h"

namespace hg {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const std::shared_ptr<Module>& module : modules) push_back(module);
}

const std::shared_ptr<Module>& Sequential::operator[](size_t index) const {
  HG_CHECK(index < modules_.size(), "Sequential: index ", index, " is out of range for ",
           modules_.size(), " modules");
  return modules_[index];
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor output = input;
  for (const std::shared_ptr<Module>& module : modules_) output = module->forward(output);
  return output;
}

}  // namespace hg
