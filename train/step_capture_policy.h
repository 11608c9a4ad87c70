// When a training step is captured as a CUDA graph and replayed (DESIGN §3, config key
// `cuda_graph`), decided in this one file, on the CPU as on the GPU:
//
//   for the run   `cuda_graph = off | on | auto`. A graph replays the kernels of one step with
//                 the host out of the loop, so a step that needs the host in its middle cannot
//                 be captured: a loss term or a clip that reads a value back, gradients summed
//                 over processes through MPI, the profiler's per-op waits. A graph also needs the
//                 caching allocator (its private pool, core/caching_allocator.h) and a GPU.
//                 `auto` captures where nothing stands in the way; `on` makes a blocker an error.
//   for a step    the first kWarmupSteps steps of a shape run eagerly (they create the library
//                 handles, choose the cuDNN algorithms, grow the shared workspace and allocate
//                 the optimizer's state, none of which may happen inside a capture); the next
//                 step of that shape is captured, and later ones replay the graph. A step of
//                 another shape (the last, partial batch of a round) runs eagerly. A graph lives
//                 for one round: a round may replace the tensors the step reads (ADSH's V after
//                 its code update) and its sample may end in another batch size.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hashing/objective.h"
#include "tensor/device.h"
#include "tensor/shape.h"

namespace hg {

enum class CudaGraphSetting { off, on, automatic };

// "off", "on" or "auto"; throws naming the key and the choices.
CudaGraphSetting parse_cuda_graph_setting(const std::string& text);

// What a run's steps do, as far as capture cares.
struct StepCaptureConditions {
  Device device = Device::cpu;
  int processes = 1;
  double clip_grad_norm = 0;
  bool memory_caching = true;
  bool profiling = false;
  hashing::ObjectiveConfig objective;
};

struct RunCaptureDecision {
  bool capture = false;
  std::string reason;  // why the steps run eagerly ("" when they are captured)
};

// The run's decision. Throws, naming the key and the blocker, for `on` with a blocker.
RunCaptureDecision decide_run_capture(CudaGraphSetting setting,
                                      const StepCaptureConditions& conditions);

enum class StepMode { eager, capture, replay };

// The per-step decision of a run whose steps are captured. A step's shape is the list of its
// inputs' shapes.
class StepCaptureSchedule {
 public:
  static constexpr int64_t kWarmupSteps = 2;

  explicit StepCaptureSchedule(int64_t warmup_steps = kWarmupSteps) : warmup_steps_(warmup_steps) {}

  // A round begins: the last round's graph is gone.
  void begin_round() { captured_.clear(); }
  // How the next step, of inputs of `shapes`, runs.
  StepMode next(const std::vector<Shape>& shapes);
  // A capture failed: this step and every later one run eagerly.
  void give_up() { gave_up_ = true; }

 private:
  int64_t warmup_steps_;
  std::map<std::vector<Shape>, int64_t> eager_steps_;  // per shape, over the whole run
  std::vector<Shape> captured_;                        // the shape of this round's graph, or none
  bool gave_up_ = false;
};

}  // namespace hg
