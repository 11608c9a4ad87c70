// CUDA graph capture and replay on hashgrad's stream (see captured_graph.h).
//
// The capture runs in cudaStreamCaptureModeThreadLocal: this thread may not make the calls that
// would break it (a synchronisation; the allocator's cudaMalloc switches to relaxed mode for its
// one call, cuda/allocator.cpp), while the loader's worker threads go on decoding and waiting for
// their own copies' events.
#include "cuda/captured_graph.h"

#include "cuda/allocator.h"
#include "cuda/check.h"
#include "cuda/stream.h"

namespace hg::cuda {

struct CapturedGraph::State {
  memory::PoolId pool = memory::kGeneralPool;
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t executable = nullptr;

  // Ends a capture that failed; never throws (it runs while an error is on its way).
  void abandon(cudaStream_t stream) {
    memory::use_device_pool(memory::kGeneralPool);
    cudaGraph_t partial = nullptr;
    if (cudaStreamEndCapture(stream, &partial) == cudaSuccess && partial != nullptr)
      cudaGraphDestroy(partial);
    static_cast<void>(cudaGetLastError());  // the capture's error, reported by the caller
    memory::release_device_pool(pool);
    pool = memory::kGeneralPool;
  }
};

CapturedGraph::CapturedGraph() : state_(std::make_unique<State>()) {}

CapturedGraph::~CapturedGraph() {
  // A destructor cannot report a failure; a sticky error shows at the next checked call.
  if (state_->executable != nullptr) static_cast<void>(cudaGraphExecDestroy(state_->executable));
  if (state_->graph != nullptr) static_cast<void>(cudaGraphDestroy(state_->graph));
  if (state_->pool != memory::kGeneralPool) memory::release_device_pool(state_->pool);
}

void CapturedGraph::capture(const std::function<void()>& work) {
  HG_CHECK(state_->graph == nullptr, "CapturedGraph: this graph was captured already");
  const cudaStream_t stream = current_stream();
  state_->pool = memory::create_device_pool();
  memory::use_device_pool(state_->pool);
  const cudaError_t began = cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal);
  if (began != cudaSuccess) {
    memory::use_device_pool(memory::kGeneralPool);
    memory::release_device_pool(state_->pool);
    state_->pool = memory::kGeneralPool;
    CUDA_CHECK(began);
  }
  try {
    work();
  } catch (...) {
    state_->abandon(stream);
    throw;
  }
  memory::use_device_pool(memory::kGeneralPool);
  cudaGraph_t graph = nullptr;
  const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
  if (ended != cudaSuccess || graph == nullptr) {
    static_cast<void>(cudaGetLastError());
    memory::release_device_pool(state_->pool);
    state_->pool = memory::kGeneralPool;
    throw Error(::hg::detail::concat(
        "CUDA graph capture failed at its end (", cudaGetErrorString(ended),
        "): the captured work used another stream or the legacy default stream"));
  }
  state_->graph = graph;
  CUDA_CHECK(cudaGraphInstantiateWithFlags(&state_->executable, graph, 0));
}

void CapturedGraph::replay() {
  HG_CHECK(state_->executable != nullptr, "CapturedGraph: replay before a capture");
  CUDA_CHECK(cudaGraphLaunch(state_->executable, current_stream()));
}

}  // namespace hg::cuda
