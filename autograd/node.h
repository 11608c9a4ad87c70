// Node: one recorded op of the autograd graph (define-by-run, like PyTorch's tape).
//
// When a differentiable op runs with grad mode on and some input requires a gradient, it
// records a Node on its output: which inputs to send gradients to, and a closure that turns the
// gradient of the output into gradients of those inputs (and no others). The closure captures
// exactly the tensors its formula needs (saved tensors); nothing else is kept alive.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace hg {

// ∂L/∂input for every input of an op, in order (undefined where none is needed).
using Gradients = std::vector<Tensor>;
// Which inputs of an op get a gradient, in the order the op gave them to record(): an input
// gets one when grad mode was on and it required one (needs_gradient). record() works the mask
// out once and every backward receives it, so a backward computes exactly those gradients
// (x · w with a constant x computes ∂L/∂w alone) and no op repeats the test.
using GradientMask = std::vector<bool>;
// Given ∂L/∂output, returns the Gradients of the op's inputs where `needs` is true.
using BackwardFunction =
    std::function<Gradients(const Tensor& grad_output, const GradientMask& needs)>;

struct Node {
  std::string name;  // "matmul.backward": what the profiler and error messages show
  // Autograd state of each input: where its gradient goes (null: the input needs none).
  std::vector<std::shared_ptr<AutogradMeta>> inputs;
  std::vector<Shape> input_shapes;  // to check what `backward` returns
  GradientMask needs_gradient;      // passed to `backward`: true where inputs[i] is not null
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

// Whether an op recorded now sends `input` a gradient: grad mode is on and `input` is defined and
// requires one. record() builds the GradientMask from this; an op that saves an operand only for
// another operand's gradient (matmul, conv2d) asks it too, before recording, to save no more.
bool needs_gradient(const Tensor& input);

// Records `name` on `output` (and returns it) when some input needs a gradient; otherwise
// returns `output` untouched. Every differentiable op ends with this.
Tensor record(const char* name, Tensor output, const std::vector<Tensor>& inputs,
              BackwardFunction backward);

// Backpropagates from `root`: a one-element tensor (seed 1) or, with `grad_output`, any tensor.
// Leaves that require a gradient get it accumulated into .grad().
void backward(const Tensor& root, const Tensor& grad_output = Tensor());

}  // namespace hg
