// Host-device copies and events (cuda/transfer.h): thin checked calls on hashgrad's stream.
#include "cuda/transfer.h"

#include "cuda/check.h"

namespace hg::cuda {

namespace {

// Whether `pointer` is page-locked host memory (cudaMallocHost, cudaHostRegister), which a
// queued copy reads when it runs rather than when it is queued.
bool page_locked(const void* pointer) {
  cudaPointerAttributes attributes{};
  CUDA_CHECK(cudaPointerGetAttributes(&attributes, pointer));
  return attributes.type == cudaMemoryTypeHost;
}

}  // namespace

// Which copies wait, from CUDA's "API synchronization behavior": a copy to pageable host memory
// returns once it is done anyway, and the host is about to read it, so it waits for the stream
// (and reports a failed kernel here, not at the next call). A copy from pageable host memory has
// read its source into the driver's staging memory when cudaMemcpyAsync returns, so the caller
// may reuse the source at once and nothing waits: the host goes on queueing kernels while the
// copy and the work before it run (tensors' host memory, core/host_allocator.h, is pageable; a
// training step makes a few such uploads, and a wait for each drained the GPU's queue). Only a
// page-locked source, read when the copy runs, is waited for, to keep this function's promise.
void copy_bytes(void* destination, const void* source, size_t bytes, CopyKind kind) {
  const cudaMemcpyKind direction = kind == CopyKind::host_to_device   ? cudaMemcpyHostToDevice
                                   : kind == CopyKind::device_to_host ? cudaMemcpyDeviceToHost
                                                                      : cudaMemcpyDeviceToDevice;
  CUDA_CHECK(cudaMemcpyAsync(destination, source, bytes, direction, current_stream()));
  const bool wait =
      kind == CopyKind::device_to_host || (kind == CopyKind::host_to_device && page_locked(source));
  if (wait) CUDA_CHECK(cudaStreamSynchronize(current_stream()));
}

void copy_to_device_async(void* destination, const void* source, size_t bytes) {
  CUDA_CHECK(cudaMemcpyAsync(destination, source, bytes, cudaMemcpyHostToDevice, current_stream()));
}

Event create_event() {
  cudaEvent_t event = nullptr;
  CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  return event;
}

void record_event(Event event) { CUDA_CHECK(cudaEventRecord(event, current_stream())); }

void wait_for_event(Event event) { CUDA_CHECK(cudaEventSynchronize(event)); }

void destroy_event(Event event) {
  cudaEventSynchronize(event);
  cudaEventDestroy(event);
}

}  // namespace hg::cuda
