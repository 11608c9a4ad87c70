// Module bookkeeping: names, modes, device moves, state dicts.
#include "layers/module.h"

#include "tensor/copy.h"

namespace hg {

void Module::collect(const std::string& prefix, bool buffers,
                     std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [name, tensor] : buffers ? buffers_ : parameters_)
    out.emplace_back(prefix + name, tensor);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", buffers, out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", false, out);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", true, out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, tensor] : named_parameters()) out.push_back(tensor);
  return out;
}

int64_t Module::parameter_count() const {
  int64_t count = 0;
  for (const Tensor& parameter : parameters()) count += parameter.numel();
  return count;
}

void Module::train(bool training) {
  training_ = training;
  for (auto& [name, child] : children_) child->train(training);
}

void Module::to(Device device) {
  for (auto& [name, tensor] : named_parameters()) tensor.set_data(tensor.to(device));
  for (auto& [name, tensor] : named_buffers()) tensor.set_data(tensor.to(device));
}

void Module::to(DType dtype) {
  HG_CHECK(is_floating(dtype), "Module::to: ", dtype_name(dtype), " is not a floating dtype");
  for (auto& [name, tensor] : named_parameters()) tensor.set_data(tensor.to(dtype));
  for (auto& [name, tensor] : named_buffers())
    if (is_floating(tensor.dtype())) tensor.set_data(tensor.to(dtype));
}

Device Module::device() const {
  auto all = named_parameters();
  return all.empty() ? Device::cpu : all.front().second.device();
}

void Module::zero_grad() {
  for (Tensor& parameter : parameters()) parameter.zero_grad();
}

std::map<std::string, Tensor> Module::state_dict() const {
  std::map<std::string, Tensor> state;
  for (auto& [name, tensor] : named_parameters()) state[name] = tensor;
  for (auto& [name, tensor] : named_buffers()) state[name] = tensor;
  return state;
}

void Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
  std::map<std::string, Tensor> own = state_dict();
  for (auto& [name, tensor] : own) {
    auto found = state.find(name);
    if (found == state.end()) {
      HG_CHECK(!strict, "load_state_dict: '", name, "' (", tensor.description(),
               ") is missing from the state dict");
      continue;
    }
    HG_CHECK(found->second.shape() == tensor.shape(), "load_state_dict: '", name, "' has shape ",
             shape_string(found->second.shape()), " in the state dict but ",
             shape_string(tensor.shape()), " in the model");
    ops::copy_(tensor, found->second.to(tensor.device()));
  }
  if (strict)
    for (auto& [name, tensor] : state)
      HG_CHECK(own.count(name), "load_state_dict: unexpected key '", name, "' (",
               tensor.description(), ") in the state dict");
}

Tensor Module::register_parameter(const std::string& name, Tensor tensor) {
  tensor.set_requires_grad(true);
  parameters_.emplace_back(name, tensor);
  return tensor;
}

Tensor Module::register_buffer(const std::string& name, Tensor tensor) {
  buffers_.emplace_back(name, tensor);
  return tensor;
}

}  // namespace hg
