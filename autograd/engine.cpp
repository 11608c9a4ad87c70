// The backward engine: order the recorded Nodes so each runs after every Node that consumes
// its output, then walk them from the root, summing gradients where a tensor fed several ops.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "autograd/gradient_ready.h"
#include "autograd/node.h"
#include "core/profiler.h"
#include "tensor/elementwise.h"

namespace hg {

namespace {
thread_local bool grad_mode = true;
}  // namespace

bool grad_mode_enabled() { return grad_mode; }
NoGradGuard::NoGradGuard() : previous_(grad_mode) { grad_mode = false; }
NoGradGuard::~NoGradGuard() { grad_mode = previous_; }

bool needs_gradient(const Tensor& input) {
  return grad_mode && input.defined() && input.requires_grad();
}

Tensor record(const char* name, Tensor output, const std::vector<Tensor>& inputs,
              BackwardFunction backward_function) {
  GradientMask needs;
  for (const Tensor& input : inputs) needs.push_back(needs_gradient(input));
  if (std::find(needs.begin(), needs.end(), true) == needs.end()) return output;
  auto node = std::make_shared<Node>();
  node->name = std::string(name) + ".backward";
  for (size_t i = 0; i < inputs.size(); ++i) {
    node->inputs.push_back(needs[i] ? inputs[i].autograd_meta() : nullptr);
    node->input_shapes.push_back(inputs[i].defined() ? inputs[i].shape() : Shape{});
  }
  node->needs_gradient = std::move(needs);
  node->backward = std::move(backward_function);
  const auto& meta = output.autograd_meta();
  meta->grad_fn = node;
  meta->requires_grad = true;
  return output;
}

namespace {

// Post-order depth-first search: a node comes after all nodes reachable from it, so the
// reversed list visits consumers before producers. Iterative, so deep graphs cannot overflow
// the stack.
std::vector<Node*> topological_order(Node* root) {
  std::vector<Node*> order;
  std::unordered_set<Node*> visited{root};
  std::vector<std::pair<Node*, size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto& [node, next_input] = stack.back();
    if (next_input < node->inputs.size()) {
      const auto& meta = node->inputs[next_input++];
      Node* child = meta ? meta->grad_fn.get() : nullptr;
      if (child != nullptr && visited.insert(child).second) stack.push_back({child, 0});
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

// Sums the gradients a non-leaf receives from each of its consumers.
void accumulate(Tensor& slot, const Tensor& gradient) {
  slot = slot.defined() ? ops::add(slot, gradient) : gradient;
}

}  // namespace

void backward(const Tensor& root, const Tensor& grad_output) {
  backward_with_leaf_hook(root, grad_output, {});
}

void backward_with_leaf_hook(const Tensor& root, const Tensor& grad_output,
                             const LeafGradientHook& on_leaf_gradient) {
  check_defined(root, "backward");
  HG_CHECK(root.requires_grad(), "backward: ", root.description(),
           " does not require a gradient (no input of the ops that made it requires one)");
  Tensor seed = grad_output;
  if (!seed.defined()) {
    HG_CHECK(root.numel() == 1, "backward: ", root.description(),
             " is not a scalar; pass the gradient of the output explicitly");
    seed = Tensor::ones(root.shape(), root.dtype(), root.device());
  }
  HG_CHECK(seed.shape() == root.shape(), "backward: gradient ", seed.description(),
           " does not match ", root.description());
  NoGradGuard no_grad;  // backward formulas are not themselves recorded
  const auto& root_meta = root.autograd_meta();
  if (!root_meta->grad_fn) {  // backward on a leaf: its gradient is the seed
    Tensor gradient = root.grad().defined() ? ops::add(root.grad(), seed) : seed.clone();
    root_meta->grad = std::make_shared<Tensor>(gradient);
    if (on_leaf_gradient) on_leaf_gradient(*root_meta);
    return;
  }
  std::vector<Node*> order = topological_order(root_meta->grad_fn.get());
  // The walk visits order from its end; for each leaf, the step after which nothing more
  // reaches it (its last consumer's).
  std::unordered_map<const AutogradMeta*, size_t> last_consumer;
  if (on_leaf_gradient)
    for (size_t step = 0; step < order.size(); ++step)
      for (const auto& meta : order[order.size() - 1 - step]->inputs)
        if (meta && !meta->grad_fn && meta->requires_grad) last_consumer[meta.get()] = step;
  auto leaves_done_after = [&](size_t step) {
    if (!on_leaf_gradient) return;
    for (const auto& meta : order[order.size() - 1 - step]->inputs) {
      auto found = meta ? last_consumer.find(meta.get()) : last_consumer.end();
      if (found == last_consumer.end() || found->second != step) continue;
      last_consumer.erase(found);  // a node may list the same leaf twice
      on_leaf_gradient(*meta);
    }
  };
  std::unordered_map<Node*, Tensor> pending{{root_meta->grad_fn.get(), seed}};
  for (size_t step = 0; step < order.size(); ++step) {
    Node* node = order[order.size() - 1 - step];
    auto found = pending.find(node);
    if (found == pending.end()) {  // no gradient flowed here
      leaves_done_after(step);
      continue;
    }
    Tensor gradient = found->second;
    pending.erase(found);
    HG_CHECK(node->backward, node->name,
             ": the graph was already used by an earlier backward; "
             "run the forward pass again");
    std::vector<Tensor> input_gradients;
    {
      profiler::Scope scope(node->name.c_str(), gradient.is_cuda());
      input_gradients = node->backward(gradient, node->needs_gradient);
    }
    node->backward = nullptr;  // frees the saved tensors
    HG_CHECK(input_gradients.size() == node->inputs.size(), node->name, " returned ",
             input_gradients.size(), " gradients for ", node->inputs.size(), " inputs");
    for (size_t i = 0; i < node->inputs.size(); ++i) {
      const auto& meta = node->inputs[i];
      if (!meta || !input_gradients[i].defined()) continue;
      HG_CHECK(input_gradients[i].shape() == node->input_shapes[i], node->name,
               " returned a gradient ", input_gradients[i].description(), " for input ", i,
               " of shape ", shape_string(node->input_shapes[i]));
      if (meta->grad_fn) {
        accumulate(pending[meta->grad_fn.get()], input_gradients[i]);
      } else if (meta->requires_grad) {
        // A leaf's first gradient is copied: the one returned may be shared with other inputs
        // (add hands the same tensor to both), and optimizers modify .grad in place.
        Tensor leaf_gradient =
            meta->grad ? ops::add(*meta->grad, input_gradients[i]) : input_gradients[i].clone();
        meta->grad = std::make_shared<Tensor>(leaf_gradient);
      }
    }
    leaves_done_after(step);
  }
}

}  // namespace hg
