// StepRunner: how the trainer's training step runs (DESIGN §3, `cuda_graph`): eagerly, op by op,
// or captured as a CUDA graph once a round and replayed (train/step_capture_policy.h decides
// which, and for which steps). The trainer hands its step to the runner it was given and never
// asks which one it is.
//
// A step is two functions:
//   prepare   the host's bookkeeping of every step, never captured (the optimizer's step count
//             and the values its update reads from device memory);
//   compute   the device's work, from the step's inputs to a tensor of results (the loss and
//             its terms): forward, backward, the optimizer's update. It must read whatever
//             changes from step to step from its inputs or from device memory that prepare (or
//             the runner) writes, since a replay runs the kernels with the pointers and
//             arguments they were captured with, and it must not wait for the GPU.
// The graph runner copies each step's inputs into the buffers the graph reads, outside the graph
// (the loader's copies stay outside too), replays, and returns the graph's result tensor, which
// the next replay overwrites: read it before running the next step.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace hg {

struct TrainingStep {
  std::function<void()> prepare;
  std::function<Tensor(const std::vector<Tensor>& inputs)> compute;
};

class StepRunner {
 public:
  virtual ~StepRunner() = default;
  // A round begins: the tensors a step reads besides its inputs may have been replaced.
  virtual void begin_round() = 0;
  // prepare(), then compute(inputs) or its graph's replay; returns the step's results.
  virtual Tensor run(const std::vector<Tensor>& inputs) = 0;
};

std::unique_ptr<StepRunner> make_eager_step_runner(TrainingStep step);
// Captures on the GPU (hashgrad's stream). When a capture fails (a step waited for the GPU),
// that step and every later one run eagerly, and `notice` hears why, once.
std::unique_ptr<StepRunner> make_graph_step_runner(TrainingStep step,
                                                   std::function<void(const std::string&)> notice);

}  // namespace hg
