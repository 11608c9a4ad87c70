// A CUDA graph of the work queued on hashgrad's stream: captured once, replayed many times
// (DESIGN §3, `cuda_graph`; train/step_runner.h replays training steps with it). Replaying a
// graph launches all its kernels with one call, so a step of many small kernels no longer waits
// on the host to launch each.
//
// A captured kernel keeps the pointers and arguments it was captured with. So the memory the
// capture allocates comes from a private pool of the device allocator that stays the graph's
// until it is destroyed (core/caching_allocator.h), and anything that must change between
// replays is read from device memory written before each replay (the inputs, the optimizer's
// step values, the random base: tensor/random.h). No CUDA type shows here, so train/ builds
// without CUDA (cuda/without_cuda/captured_graph.cpp: capture throws).
#pragma once

#include <functional>
#include <memory>

namespace hg::cuda {

class CapturedGraph {
 public:
  CapturedGraph();
  // Frees the graph (a replay still running finishes first) and hands its pool to the cache.
  ~CapturedGraph();
  CapturedGraph(const CapturedGraph&) = delete;
  CapturedGraph& operator=(const CapturedGraph&) = delete;

  // Captures what `work` queues on hashgrad's stream; none of it runs. Throws when the work
  // cannot be captured (it waited for the GPU, copied from pageable host memory, or used another
  // stream) or throws itself: the capture is then abandoned, its pool released, and the graph
  // stays empty.
  void capture(const std::function<void()>& work);
  // Queues one run of the captured work on hashgrad's stream.
  void replay();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace hg::cuda
