// Module: the base of every layer and model, as torch.nn.Module is.
//
// A Module owns named parameters (tensors that require gradients), named buffers (state that
// is saved but not trained, like BatchNorm's running mean) and named children. Names join with
// dots ("features.0.weight"), and every layer uses torch's names, so a state_dict saved by
// PyTorch (torchvision, timm) loads by name.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace hg {

class Module {
 public:
  virtual ~Module() = default;

  // The layer's computation on one input. Modules with several inputs add their own overloads.
  virtual Tensor forward(const Tensor& input) = 0;
  Tensor operator()(const Tensor& input) { return forward(input); }

  // Every parameter / buffer of this module and its descendants, in registration order.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  std::vector<Tensor> parameters() const;
  int64_t parameter_count() const;

  // Training mode (dropout active, batch statistics in BatchNorm) or evaluation mode.
  void train(bool training = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Moves every parameter and buffer in place: handles held elsewhere see the move.
  void to(Device device);
  // Converts every floating parameter and buffer to `dtype` in place (PyTorch's
  // module.to(torch.float64)); integer buffers such as num_batches_tracked keep theirs.
  void to(DType dtype);
  Device device() const;
  void zero_grad();

  // Parameters and buffers by full name. load_state_dict checks every shape and, when `strict`,
  // that no name is missing or unexpected; errors name the tensor.
  std::map<std::string, Tensor> state_dict() const;
  void load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);

 protected:
  // Registers a parameter (sets requires_grad) and returns the handle to keep as a member.
  Tensor register_parameter(const std::string& name, Tensor tensor);
  Tensor register_buffer(const std::string& name, Tensor tensor);
  template <typename Child>
  std::shared_ptr<Child> register_module(const std::string& name, std::shared_ptr<Child> child) {
    children_.emplace_back(name, child);
    return child;
  }
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const {
    return children_;
  }

 private:
  void collect(const std::string& prefix, bool buffers,
               std::vector<std::pair<std::string, Tensor>>& out) const;

  std::vector<std::pair<std::string, Tensor>> parameters_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace hg
