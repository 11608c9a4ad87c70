// Node: one recorded op of the autograd graph (define-by-run, like PyTorch's tape).
//
// When a differentiable op runs with grad mode on and some input requires a gradient, it
// records a Node on its output: which inputs to send gradients to, and a closure that turns the
// gradient of the output into gradients of the inputs. The closure captures exactly the
// tensors its formula needs (saved tensors); nothing else is kept alive.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace hg {

// ∂L/∂input for every input of an op, in order (undefined where none is needed).
using Gradients = std::vector<Tensor>;
// Given ∂L/∂output, returns the Gradients of the op's inputs.
using BackwardFunction = std::function<Gradients(const Tensor& grad_output)>;

struct Node {
  std::string name;  // "matmul.backward": what the profiler and error messages show
  // Autograd state of each input: where its gradient goes (null: the input needs none).
  std::vector<std::shared_ptr<AutogradMeta>> inputs;
  std::vector<Shape> input_shapes;  // to check what `backward` returns
  BackwardFunction backward;        // released after use: a graph is walked once
};

// Is the tape recording? On by default; NoGradGuard turns it off for a scope (evaluation,
// optimizer updates, the numeric side of gradcheck).
bool grad_mode_enabled();

class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Records `name` on `output` (and returns it) when grad mode is on and any input requires a
// gradient; otherwise returns `output` untouched. Every differentiable op ends with this.
Tensor record(const char* name, Tensor output, const std::vector<Tensor>& inputs,
              BackwardFunction backward);

// Backpropagates from `root`: a one-element tensor (seed 1) or, with `grad_output`, any tensor.
// Leaves that require a gradient get it accumulated into .grad().
void backward(const Tensor& root, const Tensor& grad_output = Tensor());

}  // namespace hg
