// cuda/captured_graph.h in a CPU-only build: there is no stream to capture.
#include "cuda/captured_graph.h"

#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

struct CapturedGraph::State {};

CapturedGraph::CapturedGraph() : state_(std::make_unique<State>()) {}
CapturedGraph::~CapturedGraph() = default;
void CapturedGraph::capture(const std::function<void()>&) {
  built_without_cuda("cuda::CapturedGraph::capture");
}
void CapturedGraph::replay() { built_without_cuda("cuda::CapturedGraph::replay"); }

}  // namespace hg::cuda
