// cuda/transfer.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/transfer.h"

#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

void copy_bytes(void*, const void*, size_t, CopyKind) { built_without_cuda("cuda::copy_bytes"); }
void copy_to_device_async(void*, const void*, size_t) {
  built_without_cuda("cuda::copy_to_device_async");
}
Event create_event() { built_without_cuda("cuda::create_event"); }
void record_event(Event) { built_without_cuda("cuda::record_event"); }
void wait_for_event(Event) { built_without_cuda("cuda::wait_for_event"); }
void destroy_event(Event) {}

}  // namespace hg::cuda
