// Host-device copies and events (cuda/transfer.h): thin checked calls on hashgrad's stream.
#include "cuda/transfer.h"

#include "cuda/check.h"

namespace hg::cuda {

void copy_bytes(void* destination, const void* source, size_t bytes, CopyKind kind) {
  const cudaMemcpyKind direction = kind == CopyKind::host_to_device   ? cudaMemcpyHostToDevice
                                   : kind == CopyKind::device_to_host ? cudaMemcpyDeviceToHost
                                                                      : cudaMemcpyDeviceToDevice;
  CUDA_CHECK(cudaMemcpyAsync(destination, source, bytes, direction, current_stream()));
  if (kind != CopyKind::device_to_device) CUDA_CHECK(cudaStreamSynchronize(current_stream()));
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
