// Copies between host and device memory on hashgrad's stream, and events that mark when a
// queued copy has finished reading its source (the loader's page-locked batch buffers).
#pragma once

#include <cstddef>

#include "cuda/stream.h"

struct CUevent_st;  // the CUDA runtime's own: Event is cudaEvent_t

namespace hg::cuda {

enum class CopyKind { host_to_device, device_to_host, device_to_device };

// When this returns, a copy to the host has finished (the caller may read it) and a copy from
// the host has read its source (the caller may change or free it); the copy to the device itself,
// like a device-to-device one, stays queued on hashgrad's stream, ahead of the work queued next.
void copy_bytes(void* destination, const void* source, size_t bytes, CopyKind kind);
// Queued: `source` must be page-locked (memory::pinned_allocate) and stay untouched until an
// event recorded after the copy has been waited for.
void copy_to_device_async(void* destination, const void* source, size_t bytes);

using Event = CUevent_st*;
Event create_event();
// Marks the current end of hashgrad's stream.
void record_event(Event event);
// Blocks the host until the GPU has passed the event.
void wait_for_event(Event event);
// Waits for the event, then destroys it; never throws (destructors call it): its errors are
// left to the next checked CUDA call.
void destroy_event(Event event);

}  // namespace hg::cuda
